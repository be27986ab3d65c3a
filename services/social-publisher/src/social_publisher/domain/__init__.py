"""The publisher's rules, free of I/O: outcomes, receipts, pacing, text, consent, webhooks."""
