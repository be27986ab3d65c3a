"""Use cases of the publisher; each owns its transaction and writes its events to the outbox."""
