"""The gate's lexicons, read from `adapters/lexicons/` beside this module (its README: sources)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from story_intake.domain.gate import CUE_FILES, Gate, GateData


def _lines(name: str) -> tuple[str, ...]:
    folder = resources.files("story_intake").joinpath("adapters", "lexicons")
    text = folder.joinpath(f"{name}.txt").read_text("utf-8")
    out = []
    for line in text.splitlines():
        term = line.split("#", 1)[0].strip()
        if term:
            out.append(term)
    return tuple(out)


def load() -> GateData:
    return GateData(
        terms={name: _lines(name) for name in CUE_FILES},
        given_names=_lines("given_names"),
        given_names_latin=_lines("given_names_latin"),
        surnames=_lines("surnames"),
        not_names=_lines("not_names"),
        stopwords=_lines("stopwords"),
        generic=_lines("generic"),
        vehicle_states=_lines("vehicle_states"),
    )


@cache
def gate() -> Gate:
    """The gate over the shipped lexicons, built once per process (about 50 ms)."""
    return Gate(load())


@cache
def vehicle_states() -> frozenset[str]:
    """The state and UT codes of registration marks (an alert's vehicle number is checked
    against the same list the gate finds marks with)."""
    return frozenset(_lines("vehicle_states"))
