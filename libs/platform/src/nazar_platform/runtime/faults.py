"""Fail points for crash tests.

`NAZAR_FAULTS="outbox.after_publish=0.05,consumer.after_effect=0.01"` makes the named point kill
the process (`os._exit`, as abrupt as SIGKILL: no cleanup, no flush) with the given probability.
Unset in production; the check is one dict lookup.
"""

from __future__ import annotations

import os
import random


def _parse(spec: str) -> dict[str, float]:
    points: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, chance = part.partition("=")
        points[name.strip()] = float(chance or "1")
    return points


_POINTS = _parse(os.environ.get("NAZAR_FAULTS", ""))


def point(name: str) -> None:
    chance = _POINTS.get(name)
    if chance is not None and random.random() < chance:  # noqa: S311 - not security related
        os._exit(137)
