"""Command-line tools of the platform: `python -m nazar_platform.cli.<tool>` (tokens, dlq,
topics)."""
