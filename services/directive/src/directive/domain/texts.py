"""Texts the service writes itself, in Hindi and English: escalation notices and labels."""

from __future__ import annotations

from directive.domain.escalation import EscalationKind
from directive.domain.model import Text


def escalation_text(
    kind: EscalationKind,
    directive_title: str,
    unit_name_hi: str,
    unit_name_en: str,
    *,
    share: float | None = None,
    threshold: float | None = None,
) -> Text:
    pct = "" if share is None else f"{round(share * 100)}%"
    need = "" if threshold is None else f"{round(threshold * 100)}%"
    if kind == EscalationKind.RELAY_OVERDUE:
        return Text(
            title_hi=f"वृद्धि: निर्देश आगे नहीं भेजा गया — {unit_name_hi}",
            body_hi=(
                f"जिला {unit_name_hi} के पुलिस अधीक्षक ने निर्देश “{directive_title}” समय-सीमा तक "
                "वृत्त समूहों को नहीं भेजा है। कृपया कार्रवाई करें।"
            ),
            title_en=f"Escalation: directive not relayed — {unit_name_en}",
            body_en=(
                f"The SP of {unit_name_en} has not relayed the directive “{directive_title}” to "
                "the circle groups by the deadline. Please take action."
            ),
        )
    who_hi = "सीओ" if kind == EscalationKind.ACK_TO_CO else "पुलिस अधीक्षक"
    return Text(
        title_hi=f"वृद्धि ({who_hi}): पावती कम — वृत्त {unit_name_hi}",
        body_hi=(
            f"वृत्त {unit_name_hi} में निर्देश “{directive_title}” की पावती केवल {pct} सदस्यों ने दी है "
            f"(आवश्यक {need})। कृपया सुनिश्चित करें कि सभी सदस्य निर्देश प्राप्त कर पावती दें।"
        ),
        title_en=f"Escalation: acknowledgements low — circle {unit_name_en}",
        body_en=(
            f"Only {pct} of circle {unit_name_en} have acknowledged “{directive_title}” "
            f"(needed: {need}). Please make sure every member receives and acknowledges it."
        ),
    )


def note_label(language: str) -> str:
    return "पुलिस अधीक्षक की टिप्पणी" if language == "hi" else "Note from the SP"


def update_label(language: str) -> str:
    return "संशोधन" if language == "hi" else "Update"


def cancellation_text(title_hi: str | None, title_en: str | None, reason: str | None) -> Text:
    why = f"\n{reason}" if reason else ""
    return Text(
        title_hi=f"निरस्त: {title_hi or title_en}",
        body_hi=(
            f"निर्देश “{title_hi or title_en}” निरस्त कर दिया गया है। कृपया इस पर कार्रवाई न करें।{why}"
        ),
        title_en=f"Cancelled: {title_en or title_hi}",
        body_en=(
            f"The directive “{title_en or title_hi}” has been cancelled. Please do not act on it."
            f"{why}"
        ),
    )
