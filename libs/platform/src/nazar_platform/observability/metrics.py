"""Prometheus metrics of the platform plumbing, shared by every service."""

from __future__ import annotations

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
for _where in ("database", "kafka"):
    OUTBOX_FAILURES.labels(_where)  # 0 until one fails: a series from the start
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
