"""bench/social: 1,000 publish requests across the X, Facebook and Instagram accounts against the
fakes with their real limits (windows scaled down).

    uv run python -m bench.social [--requests 1000] [--window 120]

See `bench/social/run.py`.
"""

from __future__ import annotations

from bench.social.run import main

if __name__ == "__main__":
    main()
