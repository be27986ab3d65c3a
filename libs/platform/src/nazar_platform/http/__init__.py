"""The HTTP conventions every service gets from `create_app`: problems, idempotency, paging,
audit, rate limits, the input guard, security headers, health, CSV files and the access glue."""
