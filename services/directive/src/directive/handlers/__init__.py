"""Use cases: each owns its transaction, applies the domain's decision and writes the outbox."""
