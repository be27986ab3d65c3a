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
    "marks_help": (
        "चिह्न लगने पर फ़ोटो और पाठ पर पहचान छिपाने के नियम लागू होते हैं; "
        "हटाने का अधिकार केवल स्वीकृतकर्ता को है, कारण सहित।",
        "A mark brings the identity-protection rules on photos and text; only an approver clears "
        "one, with a reason.",
    ),
    "mark_on": ("लगा है", "set"),
    "mark_off": ("नहीं लगा", "not set"),
    "mark_set": ("चिह्न लगाएँ", "Set the mark"),
    "mark_clear": ("चिह्न हटाएँ", "Clear the mark"),
    "mark_clear_reason": ("हटाने का कारण", "Why it is cleared"),
    "mark_set_done": ("चिह्न लगाया गया", "Mark set"),
    "mark_cleared_done": ("चिह्न हटाया गया", "Mark cleared"),
    "unidentifiable_reason": (
        "क्यों कोई व्यक्ति पहचाना नहीं जा सकता (जैसे: चेहरे धुंधले)",
        "Why no person can be identified (e.g. faces blurred)",
    ),
    "unidentifiable_confirm": (
        "पुष्टि करें: कोई व्यक्ति पहचाना नहीं जा सकता",
        "Confirm: no person can be identified",
    ),
    "unidentifiable_done": ("पुष्टि दर्ज हुई", "Confirmation recorded"),
    "unidentifiable_by": (
        "कोई व्यक्ति पहचाना नहीं जा सकता — पुष्टि:",
        "No person can be identified — confirmed by",
    ),
    "unidentifiable_pending": (
        "स्वीकृतकर्ता की पुष्टि बाकी: कोई व्यक्ति पहचाना नहीं जा सकता",
        "Waiting for an approver's confirmation that no person can be identified",
    ),
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
    "cell": ("पीएचक्यू सेल: चैनलवार पाठ", "PHQ cell: the text per channel"),
    "creative": ("इस चैनल का क्रिएटिव", "The channel's creative"),
    "creative_help": (
        "ग्राफ़िक डिज़ाइनर का चित्र (JPEG, PNG या WebP); नया चित्र पुराने की जगह लेता है, "
        "पुराना इतिहास में रहता है।",
        "The graphics designer's image (JPEG, PNG or WebP); a new one replaces the old, which "
        "stays in the history.",
    ),
    "no_creative": ("इस चैनल का अभी कोई क्रिएटिव नहीं है।", "No creative for this channel yet."),
    "creative_file": ("चित्र", "Image"),
    "upload_creative": ("क्रिएटिव अपलोड करें", "Upload the creative"),
    "creative_saved": ("क्रिएटिव सहेजा गया", "Creative saved"),
    "images_changed": ("बदले चित्र", "Images changed"),
    "image_added": ("जोड़ा गया:", "added:"),
    "image_removed": ("हटाया गया:", "removed:"),
    "channel": ("चैनल", "Channel"),
    "post_text": ("पोस्ट का पाठ", "Post text"),
    "circ_title_hi": ("शीर्षक (हिंदी)", "Title (Hindi)"),
    "circ_title_en": ("शीर्षक (अंग्रेज़ी)", "Title (English)"),
    "circ_body_hi": ("पाठ (हिंदी)", "Text (Hindi)"),
    "circ_body_en": ("पाठ (अंग्रेज़ी)", "Text (English)"),
    "length": ("लंबाई", "Length"),
    "hashtags": ("हैशटैग", "Hashtags"),
    "too_long": ("सीमा से अधिक", "over the limit"),
    "preview": ("पूर्वावलोकन", "Preview"),
    "save_version": ("नया संस्करण सहेजें", "Save a new version"),
    "version_saved": ("संस्करण सहेजा गया", "Version saved"),
    "versions": ("संस्करण", "Versions"),
    "version": ("संस्करण", "Version"),
    "no_versions": (
        "इस चैनल का अभी कोई संस्करण नहीं है; संपादक फ़ील्ड के पाठ से शुरू होता है।",
        "No version of this channel yet; the editor starts from the field text.",
    ),
    "redacted_from": ("हटाकर बना, संस्करण", "redacted from version"),
    "diff_from": ("से", "from"),
    "diff_to": ("तक", "to"),
    "show_diff": ("अंतर दिखाएँ", "Show the difference"),
    "unchanged": ("कोई बदलाव नहीं", "unchanged"),
    "version_findings": ("इस संस्करण पर गेट", "The gate on this version"),
    "redact": ("एक क्लिक में हटाएँ", "Redact in one click"),
    "redacted_done": ("हटाकर नया संस्करण बना", "Redacted: a new version"),
    "ack_reason": ("क्यों यह ऐसे ही जा सकता है", "Why it may go out as it is"),
    "acknowledge": ("स्वीकार करें", "Acknowledge"),
    "acknowledged": ("स्वीकार किया", "Acknowledged"),
    "approval": ("स्वीकृति", "Approval"),
    "scope": ("आंतरिक प्रसार", "Internal circulation"),
    "public_channels": (
        "सार्वजनिक चैनल (कोई नहीं: केवल आंतरिक)",
        "Public channels (none: internal only)",
    ),
    "approve_story": ("स्वीकृत करें और भेजें", "Approve and send"),
    "approved_as": ("स्वीकृत:", "Approved:"),
    "posts": ("प्रकाशन", "Publishing"),
    "reach": ("प्रसार की पहुँच (निर्देश कंसोल)", "Circulation reach (directive console)"),
}

_ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "channels": {
        "x": ("X (ट्विटर)", "X"),
        "facebook": ("फ़ेसबुक", "Facebook"),
        "instagram": ("इंस्टाग्राम", "Instagram"),
        "circulation": ("आंतरिक प्रसार", "Internal circulation"),
    },
    "scopes": {
        "phq_admin": ("केवल पीएचक्यू अपराध एडमिन समूह", "PHQ crime admin group only"),
        "district": ("और लेखक के ज़िले के सभी वृत्त समूह", "and every circle group of the district"),
        "range": ("और रेंज के सभी वृत्त समूह", "and every circle group of the range"),
        "state": ("और राज्य के सभी वृत्त समूह", "and every circle group in the state"),
    },
    "post_states": {
        "requested": ("भेजा गया, उत्तर की प्रतीक्षा", "requested, waiting"),
        "posted": ("प्रकाशित", "posted"),
        "failed": ("विफल", "failed"),
    },
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
        "mark_set": ("चिह्न लगाया", "mark set"),
        "mark_cleared": ("चिह्न हटाया", "mark cleared"),
    },
}


def labels(lang: str) -> dict[str, object]:
    """Everything the pages show, in `lang` ('hi' or 'en'), with the shared frame's words."""
    i = 0 if lang == "hi" else 1
    out = words(lang, _PAIRS)
    for group, names in _ENUMS.items():
        out[group] = {key: pair[i] for key, pair in names.items()}
    return out
