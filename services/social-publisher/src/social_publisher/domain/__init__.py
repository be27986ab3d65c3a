"""The publisher's rules, free of I/O: outcomes, receipts, rate and quota, text, consent, webhooks."""
