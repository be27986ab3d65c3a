"""Fake providers (WhatsApp Business Cloud API, SMS gateway, X, Facebook, Instagram, an OpenID
Connect provider) for local stacks and tests."""
