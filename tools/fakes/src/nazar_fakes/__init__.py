"""Fake providers (WhatsApp Business Cloud API, SMS gateway) for local stacks and tests."""
