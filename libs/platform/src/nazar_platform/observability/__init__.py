"""Structured logs and Prometheus metrics (and the internal listener that serves them)."""
