"""The directive console's words in Hindi and English (labels, role and status names).

Handed to the pages' JavaScript as one JSON document, so the script never holds text itself.
"""

from __future__ import annotations

from nazar_contracts.stories import STORY_KIND_NAMES
from nazar_ui import words

_PAIRS: dict[str, tuple[str, str]] = {
    "app": ("नज़र — निर्देश कंसोल", "Nazar — Directive console"),
    "directives": ("निर्देश", "Directives"),
    "title": ("शीर्षक", "Title"),
    "new_directive": ("नया निर्देश जारी करें", "Issue a directive"),
    "issue": ("जारी करें", "Issue"),
    "kind": ("प्रकार", "Kind"),
    "kind_directive": ("निर्देश", "Directive"),
    "kind_campaign": ("ऑनलाइन अभियान", "Online campaign"),
    "priority": ("प्राथमिकता", "Priority"),
    "title_hi": ("शीर्षक (हिंदी)", "Title (Hindi)"),
    "title_en": ("शीर्षक (अंग्रेज़ी)", "Title (English)"),
    "body_hi": ("पाठ (हिंदी)", "Text (Hindi)"),
    "body_en": ("पाठ (अंग्रेज़ी)", "Text (English)"),
    "audience": ("किसे", "Audience"),
    "audience_hint": (
        "कुछ न चुनें तो पूरा राज्य। रेंज, ज़िले या वृत्त चुनें।",
        "Nothing chosen: the whole state. Choose ranges, districts or circles.",
    ),
    "show_units_below": ("नीचे की इकाइयाँ दिखाएँ", "Show the units below"),
    "only_roles": ("केवल ये पद (वैकल्पिक)", "Only these roles (optional)"),
    "ack_required": ("पावती आवश्यक", "Acknowledgement required"),
    "relay_mode": ("आगे भेजना", "Relay"),
    "relay_manual": ("पुलिस अधीक्षक स्वयं भेजें", "Manual, by the SP"),
    "relay_automatic": ("समय-सीमा पर स्वतः", "Automatic at the deadline"),
    "relay_deadline": ("आगे भेजने की समय-सीमा (मिनट)", "Relay deadline (minutes)"),
    "ack_window": ("पावती अवधि (मिनट)", "Acknowledgement window (minutes)"),
    "by_priority": ("खाली: प्राथमिकता के अनुसार", "empty: by priority"),
    "threshold": ("पावती सीमा (%)", "Acknowledgement threshold (%)"),
    "threshold_short": ("पावती सीमा", "Acknowledgement threshold"),
    "expires_at": ("समाप्ति", "Expires"),
    "attachments": ("संलग्नक", "Attachments"),
    "state": ("स्थिति", "State"),
    "issued": ("जारी", "Issued"),
    "issued_by": ("जारीकर्ता", "Issued by"),
    "messages": ("संदेश", "Messages"),
    "districts": ("ज़िले", "Districts"),
    "district": ("ज़िला", "District"),
    "circle": ("वृत्त", "Circle"),
    "circles": ("वृत्त", "Circles"),
    "relayed": ("भेजा गया", "Relayed"),
    "not_relayed": ("अभी नहीं भेजा", "Not relayed yet"),
    "automatic": ("स्वतः", "automatic"),
    "relay": ("वृत्त समूहों को भेजें", "Relay to the circle groups"),
    "relay_note": ("स्थानीय टिप्पणी (वैकल्पिक)", "Local note (optional)"),
    "relay_done": ("भेज दिया गया", "Relayed"),
    "co_note": ("सीओ की टिप्पणी जोड़ें", "Add a CO note"),
    "note_text": ("टिप्पणी", "Note"),
    "send": ("भेजें", "Send"),
    "note_done": ("टिप्पणी भेज दी गई", "Note sent"),
    "reach": ("पहुँच (लाइव)", "Reach (live)"),
    "live": ("लाइव", "live"),
    "offline": ("संपर्क टूटा, फिर से जोड़ रहे हैं…", "disconnected, reconnecting…"),
    "updated": ("अद्यतन:", "Updated:"),
    "unit": ("इकाई", "Unit"),
    "total": ("कुल", "Total"),
    "targeted": ("लक्षित", "Targeted"),
    "sent": ("भेजे गए", "Sent"),
    "delivered": ("पहुँचे", "Delivered"),
    "read": ("पढ़े गए", "Read"),
    "acknowledged": ("पावती", "Acknowledged"),
    "failed": ("विफल", "Failed"),
    "ack_share": ("पावती %", "Ack %"),
    "laggards": ("पिछड़े", "Laggards"),
    "districts_not_relayed": ("जिन ज़िलों ने नहीं भेजा", "Districts not relayed"),
    "circles_below": ("सीमा से कम पावती वाले वृत्त", "Circles below the threshold"),
    "overdue": ("समय-सीमा पार", "overdue"),
    "escalations": ("वृद्धि सूचनाएँ", "Escalations"),
    "recipients": ("प्राप्तकर्ता", "Recipients"),
    "at": ("समय", "At"),
    "export": ("रिकॉर्ड (CSV)", "Record (CSV)"),
    "export_station": ("थानेवार CSV", "CSV per police station"),
    "export_member": ("सदस्यवार CSV", "CSV per member"),
    "back": ("सभी निर्देश", "All directives"),
    "story_reach": ("कहानी का प्रसार: पहुँच", "Story circulation: reach"),
    "story": ("कहानी", "Story"),
    "circulated_to": ("किसे भेजी गई", "Sent to"),
    "approved_at": ("स्वीकृत", "Approved"),
    "circle_groups": ("वृत्त समूह", "Circle groups"),
    "fanning_out": ("भेजी जा रही है…", "Being sent…"),
    "fanned_out": ("सभी को भेजी गई", "Sent to everyone"),
    "public_post_url": (
        "अभियान की सार्वजनिक पोस्ट (केवल अभियान)",
        "Campaign's public post (campaigns only)",
    ),
    "public_post_hint": (
        "एक्स, फ़ेसबुक या इंस्टाग्राम पर आधिकारिक पोस्ट का https लिंक। हर वृत्त समूह को इसका अपना लिंक "
        "मिलेगा, जिससे पता चलेगा कि कितनी बार खोला गया।",
        "The https link of the official post on X, Facebook or Instagram. Every circle group gets "
        "its own link to it, which counts how often it is opened.",
    ),
    "campaign_reach": (
        "अभियान: वृत्तवार पहुँच और लिंक खुलना",
        "Campaign: reach and link opens by circle",
    ),
    "campaign": ("अभियान", "Campaign"),
    "public_post": ("सार्वजनिक पोस्ट", "Public post"),
    "opens": ("लिंक खोले गए", "Link opens"),
    "circle_link": ("वृत्त का लिंक", "Circle's link"),
    "not_relayed_yet": ("अभी नहीं भेजा", "not relayed yet"),
    "back_to_directive": ("निर्देश पर लौटें", "Back to the campaign"),
    "opens_hint": (
        "केवल लोगों द्वारा खोलना गिना जाता है (लिंक पूर्वावलोकन नहीं); किसने खोला, यह दर्ज नहीं होता।",
        "Only people opening the link are counted (not link previews); who opened it is not kept.",
    ),
}

_ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "priority_names": {
        "flash": ("फ़्लैश", "Flash"),
        "urgent": ("अत्यावश्यक", "Urgent"),
        "routine": ("सामान्य", "Routine"),
    },
    "state_names": {
        "active": ("सक्रिय", "active"),
        "cancelled": ("निरस्त", "cancelled"),
        "closed": ("बंद", "closed"),
    },
    "message_kinds": {
        "original": ("निर्देश", "Directive"),
        "update": ("संशोधन", "Update"),
        "cancellation": ("निरस्तीकरण", "Cancellation"),
        "note": ("सीओ की टिप्पणी", "CO note"),
        "escalation": ("वृद्धि सूचना", "Escalation"),
        "story": ("सफलता की कहानी", "Success story"),
        "story_notice": ("लेखक को सूचना", "Notice to the author"),
        "account_notice": ("खाता रुकने की सूचना", "Account stopped notice"),
    },
    "escalation_kinds": {
        "relay_overdue": ("आगे नहीं भेजा → आईजी", "Not relayed → IG"),
        "ack_to_co": ("पावती कम → सीओ", "Low acknowledgements → CO"),
        "ack_to_sp": ("पावती कम → पुलिस अधीक्षक", "Low acknowledgements → SP"),
    },
    "scopes": {
        "phq_admin": ("केवल पुलिस मुख्यालय अपराध एडमिन समूह", "The PHQ crime admin group only"),
        "district": (
            "पुलिस मुख्यालय एडमिन समूह और लेखक के जिले के सभी वृत्त समूह",
            "The PHQ admin group and every circle group of the author's district",
        ),
        "range": (
            "पुलिस मुख्यालय एडमिन समूह और लेखक की रेंज के सभी वृत्त समूह",
            "The PHQ admin group and every circle group of the author's range",
        ),
        "state": (
            "पुलिस मुख्यालय एडमिन समूह और राज्य के सभी वृत्त समूह",
            "The PHQ admin group and every circle group in the state",
        ),
    },
    "story_kinds": {str(kind): pair for kind, pair in STORY_KIND_NAMES.items()},
    "stages": {
        "watching": ("निगरानी में", "watching"),
        "co_escalated": ("सीओ को सूचित", "escalated to the CO"),
        "sp_escalated": ("पुलिस अधीक्षक को सूचित", "escalated to the SP"),
        "satisfied": ("पूर्ण", "satisfied"),
    },
}

# The alert board (issue 15).
_PAIRS.update(
    {
        "alert_board": ("अलर्ट बोर्ड", "Alert board"),
        "open_alerts": ("खुले अलर्ट", "Open alerts"),
        "closed_alerts": ("बंद अलर्ट", "Closed alerts"),
        "order": ("क्रम", "Order"),
        "order_newest": ("नवीनतम पहले", "Newest first"),
        "order_oldest_unacknowledged": (
            "बिना पावती वाले, सबसे पुराने पहले",
            "Unacknowledged first, oldest at the top",
        ),
        "opened": ("प्राप्त", "Raised"),
        "age": ("कितनी देर से", "Age"),
        "urgency": ("तात्कालिकता", "Urgency"),
        "place": ("स्थान", "Place"),
        "station": ("थाना", "Police station"),
        "alert_count": ("सूचनाएँ", "Alerts"),
        "stage": ("चरण", "Stage"),
        "taken_by": ("किसने लिया", "Taken by"),
        "not_taken": ("अभी किसी ने नहीं लिया", "Not taken yet"),
        "closed_at": ("बंद", "Closed"),
        "closed_by": ("किसने बंद किया", "Closed by"),
        "outcome": ("परिणाम", "Outcome"),
        "fir_number": ("प्राथमिकी संख्या", "FIR number"),
        "details": ("विवरण", "Details"),
        "take": ("मैं लेता/लेती हूँ", "Take it"),
        "close": ("बंद करें", "Close"),
        "hand_over": ("दूसरे थाने को सौंपें", "Hand over to another station"),
        "hand_over_to": ("किस थाने को", "To which station"),
        "taken_done": ("आपने यह अलर्ट ले लिया", "You have taken this alert"),
        "closed_done": ("अलर्ट बंद किया गया", "The alert is closed"),
        "handed_done": ("अलर्ट सौंप दिया गया", "The alert was handed over"),
        "alerts_in_incident": ("इस घटना की सूचनाएँ", "Alerts of this incident"),
        "raised_by": ("सूचना देने वाला", "Raised by"),
        "vehicle_number": ("वाहन संख्या", "Vehicle number"),
        "photos": ("फ़ोटो", "Photos"),
        "photo": ("फ़ोटो", "Photo"),
        "officers": ("अधिकारी और संदेश की स्थिति", "Officers and their message"),
        "officer": ("अधिकारी", "Officer"),
        "message_state": ("संदेश", "Message"),
        "history": ("घटनाक्रम", "History"),
        "export_csv": ("बंद अलर्ट का रिकॉर्ड (CSV)", "Record of closed alerts (CSV)"),
        "minutes": ("मिनट", "min"),
        "hours": ("घंटे", "h"),
        "days": ("दिन", "d"),
        "back_to_board": ("अलर्ट बोर्ड", "Alert board"),
    }
)
_ENUMS.update(
    {
        "alert_kinds": {
            "suspicious": ("संदिग्ध व्यक्ति या वाहन", "Suspicious person or vehicle"),
            "wanted_person": ("वांछित व्यक्ति दिखा", "Wanted person seen"),
            "crowd_tension": ("भीड़ / सांप्रदायिक तनाव", "Crowd / communal tension"),
            "liquor_narcotics": ("अवैध शराब या मादक पदार्थ", "Illegal liquor or narcotics"),
            "illegal_mining": ("अवैध खनन", "Illegal mining"),
            "cyber_fraud": ("साइबर ठगी का कॉल", "Cyber-fraud call"),
            "road_accident": ("सड़क दुर्घटना", "Road accident"),
            "other": ("अन्य", "Other"),
        },
        "urgencies": {
            "immediate": ("तत्काल", "Immediate"),
            "soon": ("शीघ्र", "Soon"),
        },
        "alert_stages": {
            "routed": ("अभी ऊपर नहीं भेजा", "Not escalated"),
            "sp": ("पुलिस अधीक्षक तक बढ़ा", "Escalated to the SP"),
            "ig": ("पुलिस महानिरीक्षक तक बढ़ा", "Escalated to the IG"),
        },
        "outcomes": {
            "attended": ("मौके पर कार्रवाई की गई", "Attended"),
            "false_alarm": ("सूचना सही नहीं पाई गई", "False alarm"),
            "fir_registered": ("प्राथमिकी दर्ज की गई", "FIR registered"),
            "arrest_made": ("गिरफ़्तारी की गई", "Arrest made"),
        },
        "receipts": {
            "not_sent": ("अभी नहीं भेजा", "not sent yet"),
            "requested": ("भेजा जा रहा है", "being sent"),
            "sent": ("भेजा गया", "sent"),
            "delivered": ("पहुँचा", "delivered"),
            "read": ("पढ़ा गया", "read"),
            "acknowledged": ("पावती दी", "acknowledged"),
            "failed": ("विफल", "failed"),
        },
        "happenings": {
            "raised": ("सूचना मिली", "Alert raised"),
            "routed": ("अधिकारियों को भेजा गया", "Sent to the officers"),
            "escalated": ("ऊपर भेजा गया", "Escalated"),
            "acknowledged": ("पावती दी", "Acknowledged"),
            "taken": ("लिया गया", "Taken"),
            "closed": ("बंद किया गया", "Closed"),
        },
    }
)


def labels(lang: str) -> dict[str, object]:
    """Everything the pages show, in `lang` ('hi' or 'en'), with the shared frame's words."""
    return words(lang, _PAIRS, _ENUMS)
