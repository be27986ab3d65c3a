"""Clients of systems outside the roster: the state single sign-on (OpenID Connect)."""
