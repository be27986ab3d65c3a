"""The moderation console's words in Hindi and English (labels, and the names of kinds, states,
levels, steps and gate rules), handed to the pages' JavaScript as one JSON document, so the
script never holds text itself. The frame's words are the platform's (`COMMON_WORDS`)."""

from __future__ import annotations

from nazar_platform.http.console import words

_PAIRS: dict[str, tuple[str, str]] = {
    "app": ("नज़र — स्टोरी मॉडरेशन", "Nazar — Story moderation"),
    "queue": ("मेरी कतार", "My queue"),
    "queue_at": ("स्तर", "Level"),
    "not_reviewer": (
        "आप किसी स्तर पर स्टोरी की समीक्षा नहीं करते।",
        "You do not review stories at any level.",
    ),
    "empty_queue": ("कतार में कोई स्टोरी नहीं है।", "No story is waiting in this queue."),
    "age": ("आयु", "Age"),
    "kind": ("प्रकार", "Kind"),
    "title": ("शीर्षक", "Title"),
    "unit": ("इकाई", "Unit"),
    "gate": ("गेट", "Gate"),
    "claim": ("किसके पास", "Claimed by"),
    "free": ("खाली", "free"),
    "you": ("आप", "you"),
    "until": ("तक", "until"),
    "minutes": ("मिनट", "min"),
    "hours": ("घंटे", "h"),
    "days": ("दिन", "d"),
    "back": ("मेरी कतार", "My queue"),
    "text_hi": ("पाठ (हिंदी)", "Text (Hindi)"),
    "text_en": ("पाठ (अंग्रेज़ी)", "Text (English)"),
    "place": ("स्थान", "Place"),
    "event_date": ("घटना की तिथि", "Date of the event"),
    "case_ref": ("एफ़आईआर / प्रकरण (केवल आंतरिक)", "FIR / case (internal only)"),
    "author": ("लेखक", "Author"),
    "state": ("स्थिति", "State"),
    "photos": ("फ़ोटो", "Photos"),
    "no_photos": ("इस स्टोरी के साथ कोई फ़ोटो नहीं है।", "This story has no photos."),
    "history": ("इतिहास", "History"),
    "at": ("समय", "At"),
    "by": ("किसने", "By"),
    "step": ("चरण", "Step"),
    "note": ("टिप्पणी", "Note"),
    "findings": ("गेट के निष्कर्ष", "Gate findings"),
    "no_findings": ("गेट को कोई आपत्ति नहीं मिली।", "The gate found nothing."),
    "rule": ("नियम", "Rule"),
    "found_text": ("पाठ में", "In the text"),
    "why": ("क्यों", "Why"),
    "marks": ("चिह्न", "Marks"),
    "sexual_offence": ("यौन अपराध", "sexual offence"),
    "child_involved": ("बालक/बालिका", "child involved"),
    "actions": ("निर्णय", "Decision"),
    "claim_it": ("मैं इस पर काम करूँगा/करूँगी", "I take it"),
    "claimed_done": ("आपने यह स्टोरी ले ली है", "You have taken this story"),
    "forward": ("अगले स्तर पर भेजें", "Forward to the next level"),
    "approve": ("स्वीकृत करें", "Approve"),
    "send_back": ("लेखक को लौटाएं", "Send back to the author"),
    "reject": ("अस्वीकृत करें", "Reject"),
    "note_or_reason": (
        "लेखक के लिए टिप्पणी (लौटाते समय आवश्यक) या कारण (अस्वीकृत करते समय आवश्यक)",
        "Note for the author (needed to send back) or reason (needed to reject)",
    ),
    "decided": ("निर्णय दर्ज हुआ", "Decision recorded"),
    "reach": ("प्रसार की पहुँच (निर्देश कंसोल)", "Circulation reach (directive console)"),
}

_ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "kinds": {
        "arrest": ("गिरफ़्तारी", "Arrest"),
        "gang_bust": ("गिरोह का पर्दाफ़ाश", "Gang bust"),
        "recovery": ("बरामदगी", "Recovery"),
        "good_initiative": ("अच्छी पहल", "Good initiative"),
        "help_to_citizens": ("नागरिकों की सहायता", "Help to citizens"),
        "positive_impact": ("सकारात्मक प्रभाव", "Positive impact"),
        "other": ("अन्य", "Other"),
    },
    "levels": {
        "circle": ("वृत्त (सीओ)", "Circle (CO)"),
        "district": ("ज़िला (पुलिस अधीक्षक)", "District (SP)"),
        "phq": ("पीएचक्यू सोशल मीडिया सेल", "PHQ social media cell"),
    },
    "states": {
        "draft": ("ड्राफ्ट", "draft"),
        "in_review": ("समीक्षा में", "in review"),
        "sent_back": ("लेखक को लौटाई गई", "sent back to the author"),
        "approved": ("स्वीकृत", "approved"),
        "rejected": ("अस्वीकृत", "rejected"),
        "withdrawn": ("वापस ली गई", "withdrawn"),
    },
    "verdicts": {
        "pass": ("ठीक", "pass"),
        "review": ("जाँच आवश्यक", "review"),
        "block": ("रोक", "block"),
    },
    "steps": {
        "created": ("लिखी गई", "written"),
        "edited": ("बदली गई", "edited"),
        "submitted": ("भेजी गई", "submitted"),
        "resubmitted": ("फिर से भेजी गई", "resubmitted"),
        "claimed": ("ली गई", "claimed"),
        "forward": ("आगे भेजी गई", "forwarded"),
        "approve": ("स्वीकृत", "approved"),
        "send_back": ("लौटाई गई", "sent back"),
        "reject": ("अस्वीकृत", "rejected"),
        "withdrawn": ("वापस ली गई", "withdrawn"),
    },
}


def labels(lang: str) -> dict[str, object]:
    """Everything the pages show, in `lang` ('hi' or 'en'), with the shared frame's words."""
    i = 0 if lang == "hi" else 1
    out = words(lang, _PAIRS)
    for group, names in _ENUMS.items():
        out[group] = {key: pair[i] for key, pair in names.items()}
    return out
