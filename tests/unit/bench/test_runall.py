"""bench/run-all's summary: min / median / max per figure over the runs of one benchmark."""

from __future__ import annotations

import re

from bench.runall import Spread, lines, markdown, summarise


def test_numbers_get_min_median_max_and_texts_their_distinct_values() -> None:
    runs = [
        {"messages/s": 946.0, "runs over the cap": 0, "verdict": "met", "series": [1, 2]},
        {"messages/s": 990.5, "runs over the cap": 1, "verdict": "missed", "series": [3]},
        {"messages/s": 951.0, "runs over the cap": 0, "verdict": "met", "series": [4]},
    ]
    s = summarise(runs)
    assert s.numbers["messages/s"] == Spread(3, 946.0, 951.0, 990.5)
    assert s.numbers["runs over the cap"] == Spread(3, 0.0, 0.0, 1.0)
    assert s.texts == {"verdict": ["met", "missed"]}  # a verdict that changed shows both
    assert "series" not in s.numbers and "series" not in s.texts  # series stay in the JSON


def test_a_figure_missing_from_a_run_says_how_many_runs_had_it() -> None:
    s = summarise([{"p99 (ms)": 12.0}, {"p99 (ms)": 14.0, "refused": 3}, {"p99 (ms)": 13.0}])
    assert s.numbers["refused"] == Spread(1, 3.0, 3.0, 3.0)
    shown = "\n".join(lines("alerts", s, 3))
    assert "12 / 13 / 14" in shown
    assert "(in 1 of 3 runs)" in shown


def test_a_boolean_is_not_a_number_and_only_filters_by_name() -> None:
    s = summarise([{"met": True, "fan-out (s)": 4.9}, {"met": False, "fan-out (s)": 5.2}])
    assert s.texts["met"] == ["True", "False"]
    only = summarise([{"met": True, "fan-out (s)": 4.9}], re.compile(r"\(s\)"))
    assert list(only.numbers) == ["fan-out (s)"] and not only.texts


def test_markdown_rows_carry_the_median_the_range_and_the_date() -> None:
    s = summarise([{"rows/s": 4000.0}, {"rows/s": 5000.0}, {"rows/s": 6000.0}])
    assert markdown("roster-state", s, "2026-12-05") == [
        "| `roster-state` | rows/s | 5,000 | 4,000–6,000 | 2026-12-05 |"
    ]
