"""Clients of the providers' documented HTTP contracts (WhatsApp Business Cloud API, SMS)."""
