"""Write the synthetic roster as the three CSV files a clerk would upload."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from roster.domain.rows import COLUMNS, ImportKind

from nazar_rostergen.build import UNIT_COLUMNS, Generator, Scale


@dataclass(frozen=True)
class Files:
    units: Path
    police: Path
    volunteers: Path
    counts: dict[str, int]


def write(directory: Path, scale: Scale, seed: int = 2025) -> Files:
    directory.mkdir(parents=True, exist_ok=True)
    gen = Generator(scale, seed)
    counts: dict[str, int] = {}
    paths = Files(
        directory / "units.csv", directory / "police.csv", directory / "volunteers.csv", counts
    )
    with paths.units.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(UNIT_COLUMNS)
        w.writerows(u.row() for u in gen.roster.units)
    counts["units"] = len(gen.roster.units)
    counts["circles"] = len(gen.roster.circles)
    counts["police_stations"] = len(gen.roster.stations)
    for name, kind, rows in (
        ("police", ImportKind.POLICE, gen.police_rows()),
        ("volunteers", ImportKind.VOLUNTEERS, gen.volunteer_rows()),
    ):
        n = 0
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS[kind])
            for row in rows:
                w.writerow(row)
                n += 1
        counts[name] = n
    return paths
