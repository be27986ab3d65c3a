"""Story-intake's Kafka consumers."""
