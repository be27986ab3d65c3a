"""Prometheus metrics of the platform plumbing, shared by every service."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_PUBLISHED = Counter(
    "nazar_outbox_published_total", "Events published from the outbox to Kafka", ["topic"]
)
OUTBOX_FAILURES = Counter(
    "nazar_outbox_failures_total",
    "Relay batches that failed and will be retried, by where: database or kafka (the exception "
    "is in the log line)",
    ["reason"],
)
OUTBOX_BACKLOG = Gauge("nazar_outbox_backlog", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "nazar_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row"
)
OUTBOX_IS_LEADER = Gauge(
    "nazar_outbox_publisher_active",
    "1 while this process publishes its database's outbox (holds the lock)",
)
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

HTTP_REQUESTS = Counter(
    "nazar_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "nazar_http_request_seconds", "Time to answer an HTTP request", ["method", "route"]
)
AUDIT_RECORDED = Counter(
    "nazar_audit_recorded_total", "Requests written to the audit trail", ["outcome"]
)
AUDIT_WRITE_FAILURES = Counter(
    "nazar_audit_write_failures_total",
    "Audit entries that could not be written (each is also logged at error level)",
)
RATE_LIMITED = Counter(
    "nazar_rate_limited_total",
    "Requests answered 429 by the rate limiter",
    ["service", "route_class", "limit"],  # limit: address | principal | <route class>
)
AUDIT_REFUSALS_DROPPED = Counter(
    "nazar_audit_refusals_overflow_total",
    "Refusals counted under the overflow key: too many distinct callers refused in one minute",
)
IDEMPOTENCY = Counter(
    "nazar_idempotency_total",
    "POSTs carrying an Idempotency-Key, by what happened",
    ["outcome"],  # claimed | replayed | conflict | in_flight | released | store_failed
)
IDEMPOTENCY_PRUNED = Counter("nazar_idempotency_pruned_total", "Expired idempotency keys deleted")
RUNTIME_TASK_FAILURES = Counter(
    "nazar_runtime_task_failures_total", "Background tasks of a service that died", ["task"]
)
READY = Gauge("nazar_ready", "1 when the last readiness check passed", ["dependency"])


def at_zero(metric: Counter | Histogram, **known: Iterable[str]) -> None:
    """Every combination of label values known in advance, on /metrics at 0 from the start.

    A labelled counter has no series until a first `.labels(...).inc()`, so a panel or rule
    about something that has not happened yet answers "No data" instead of 0 (Prometheus'
    instrumentation advice: initialise the label values you know). Gauges are left alone: a 0 that
    nobody set would claim a state ("channel down") that was never observed.
    """
    if not isinstance(metric, Counter | Histogram):
        raise TypeError(f"{metric._name}: only counters and histograms start at 0")
    names = tuple(metric._labelnames)
    if set(known) != set(names):
        raise ValueError(f"{metric._name}: labels {names}, values given for {sorted(known)}")
    for values in itertools.product(*(tuple(known[name]) for name in names)):
        metric.labels(*values)


at_zero(OUTBOX_FAILURES, reason=("database", "kafka"))
at_zero(
    IDEMPOTENCY,
    outcome=("claimed", "replayed", "conflict", "in_flight", "released", "store_failed"),
)
at_zero(AUDIT_RECORDED, outcome=("allowed", "refused", "failed"))
