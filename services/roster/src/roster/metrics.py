"""The roster's own Prometheus metrics (the platform's outbox and consumer metrics come along)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

IMPORT_ROWS = Counter(
    "nazar_roster_import_rows_total", "CSV rows imported", ["kind", "outcome"]
)  # outcome: accepted | rejected
IMPORT_SECONDS = Histogram(
    "nazar_roster_import_seconds",
    "Time to validate and apply one import",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 20, 40, 80),
)
OPT_OUTS = Counter("nazar_roster_opt_outs_total", "Consent withdrawals from STOP replies")
