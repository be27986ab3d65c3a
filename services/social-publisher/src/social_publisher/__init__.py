"""Nazar social-publisher: WhatsApp and SMS to members, receipts and replies back as events."""
