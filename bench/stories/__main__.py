"""bench/stories: field stories with photos posted to the running story-intake service.

    uv run python -m bench.stories [--stories 1000] [--clients 50] [--photo-px 2048]

See `bench/stories/intake.py`.
"""

from __future__ import annotations

from bench.stories.intake import main

if __name__ == "__main__":
    main()
