"""Nazar roster: the command tree, members, consent, derived groups, bulk import."""

__version__ = "0.1.0"
