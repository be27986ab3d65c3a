"""Prometheus metrics of the platform plumbing, shared by every service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_PUBLISHED = Counter(
    "nazar_outbox_published_total", "Events relayed from the outbox to Kafka", ["topic"]
)
OUTBOX_FAILURES = Counter(
    "nazar_outbox_failures_total", "Relay batches that failed and will be retried", ["reason"]
)
OUTBOX_BACKLOG = Gauge("nazar_outbox_backlog", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "nazar_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row"
)
OUTBOX_IS_LEADER = Gauge("nazar_outbox_relay_active", "1 while this process holds the relay lock")
OUTBOX_PRUNED = Counter("nazar_outbox_pruned_total", "Published outbox rows deleted by retention")

CONSUMED = Counter(
    "nazar_consumer_records_total",
    "Records handled by idempotent consumers",
    ["consumer", "topic", "outcome"],  # applied | duplicate | dead_lettered
)
CONSUMER_BATCH_SECONDS = Histogram(
    "nazar_consumer_batch_seconds", "Time to apply one batch", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "nazar_consumer_lag", "Records behind the partition end", ["consumer", "topic", "partition"]
)
DEAD_LETTERED = Counter(
    "nazar_dead_lettered_total", "Records sent to a dead-letter topic", ["consumer", "topic"]
)
CONSUMER_RETRIES = Counter(
    "nazar_consumer_retries_total", "Transient failures retried", ["consumer"]
)
