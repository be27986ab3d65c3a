"""Nazar social-publisher: WhatsApp and SMS to members, receipts and replies back as events."""

__version__ = "0.1.0"
