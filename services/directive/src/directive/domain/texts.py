"""Texts the service writes itself, in Hindi and English: escalation notices, labels, and the
notices to a story's author."""

from __future__ import annotations

from enum import StrEnum

from nazar_contracts.stories import ReviewLevel

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


def post_label(language: str) -> str:
    """Before a campaign's link to its public post, in the message the members receive."""
    return "अभियान की पोस्ट देखें और साझा करें" if language == "hi" else "See and share the post"


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


class StoryStep(StrEnum):
    """The changes of a story its author is told of."""

    FORWARDED = "forwarded"
    SENT_BACK = "sent_back"
    REJECTED = "rejected"
    APPROVED = "approved"


_LEVEL_NAMES = {
    ReviewLevel.CIRCLE: ("वृत्ताधिकारी (सीओ)", "the Circle Officer (CO)"),
    ReviewLevel.DISTRICT: ("पुलिस अधीक्षक", "the Superintendent of Police"),
    ReviewLevel.PHQ: ("पुलिस मुख्यालय के सोशल मीडिया सेल", "the PHQ social media cell"),
}


def story_notice(step: StoryStep, story_id: str, to_level: ReviewLevel | None = None) -> Text:
    """A short message to a story's author, in both languages (the member's is picked when it is
    sent). It never carries a reviewer's note or reason: those can name people or details of the
    case, and an SMS sits on a shared phone's lock screen and passes the carrier's template
    registry; the author reads them signed in, in the app."""
    ref_hi, ref_en = f"(कहानी {story_id})", f"(story {story_id})"
    if step is StoryStep.FORWARDED:
        to_hi, to_en = _LEVEL_NAMES[to_level or ReviewLevel.PHQ]
        return Text(
            title_hi="आपकी कहानी आगे भेजी गई",
            body_hi=f"आपकी कहानी {to_hi} को भेज दी गई है। {ref_hi}",
            title_en="Your story was forwarded",
            body_en=f"Your story has been forwarded to {to_en}. {ref_en}",
        )
    if step is StoryStep.SENT_BACK:
        return Text(
            title_hi="आपकी कहानी में बदलाव चाहिए",
            body_hi=(
                "आपकी कहानी बदलाव के लिए लौटाई गई है। टिप्पणी पढ़ने, कहानी सुधारने और फिर से भेजने "
                f"के लिए नज़र ऐप खोलें। {ref_hi}"
            ),
            title_en="Your story needs changes",
            body_en=(
                "Your story was sent back for changes. Open the Nazar app to read the note, edit "
                f"the story and send it again. {ref_en}"
            ),
        )
    if step is StoryStep.REJECTED:
        return Text(
            title_hi="आपकी कहानी स्वीकार नहीं हुई",
            body_hi=f"आपकी कहानी स्वीकार नहीं की गई। कारण नज़र ऐप में देखें। {ref_hi}",
            title_en="Your story was not accepted",
            body_en=f"Your story was not accepted. The reason is in the Nazar app. {ref_en}",
        )
    return Text(
        title_hi="आपकी कहानी स्वीकृत हुई",
        body_hi=f"बधाई! आपकी कहानी पुलिस मुख्यालय ने स्वीकृत कर दी है। धन्यवाद। {ref_hi}",
        title_en="Your story was approved",
        body_en=(
            f"Congratulations! Police headquarters has approved your story. Thank you. {ref_en}"
        ),
    )
