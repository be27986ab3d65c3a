"""Real Hindi text for the publisher's tests (from the seed news report)."""

from __future__ import annotations

from pathlib import Path

SEED = Path(__file__).resolve().parents[4] / "shared" / "seed" / "000_1392b92c191f8f64.txt"
_FALLBACK = (
    "सोशल मीडिया के जरिए बदमाशों पर कड़ी नजर रखेगी पुलिस, गृह विभाग ने दिए निर्देश\n\n"
    "गांव-ढाणी से लेकर पुलिस मुख्यालय और राज्य स्तर पर किया जाएगा व्हाट्सएप, ट्वीटर और "
    "इंस्टाग्राम का उपयोग"
)


def seed_text() -> str:
    """The seed report (shared/ sits beside the repository); its opening if it is absent."""
    for candidate in (SEED, Path("/work/shared/seed/000_1392b92c191f8f64.txt")):
        if candidate.exists():
            return candidate.read_text(encoding="utf-8")
    return _FALLBACK


TITLE = "सोशल मीडिया के जरिए बदमाशों पर कड़ी नजर रखेगी पुलिस"
BODY = seed_text()
