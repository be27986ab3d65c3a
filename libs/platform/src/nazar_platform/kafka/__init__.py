"""Kafka: clients, the CloudEvents codec, the idempotent consumer, dead letters, the topic
catalogue."""
