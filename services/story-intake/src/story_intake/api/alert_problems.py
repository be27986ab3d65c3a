"""The problem codes of field alerts, in Hindi and English, each saying what the person can do
next (a gram rakshak on a phone, an officer on the board)."""

from __future__ import annotations

from nazar_platform.http.problems import ProblemError
from nazar_platform.observability.metrics import at_zero

from story_intake import metrics
from story_intake.domain.alerts import AlertRefusalError

# code: (status, title_en, title_hi, detail_en, detail_hi)
ALERTS: dict[str, tuple[int, str, str, str, str]] = {
    "alert.not_found": (
        404, "No such alert", "ऐसी कोई सूचना नहीं है",
        "This alert does not exist or is not yours to see. Open your list of alerts and choose "
        "it there.",
        "यह सूचना मौजूद नहीं है या आपके देखने के लिए नहीं है। अपनी सूचनाओं की सूची खोलें और वहीं से चुनें।",
    ),
    "alert.consent_missing": (
        403, "Your consent is not recorded", "आपकी सहमति दर्ज नहीं है",
        "Community volunteers raise alerts only with their consent recorded in the roster: "
        "the alert carries your name to the officers. Ask your SHO or beat constable to record "
        "your consent. If it is urgent, call 112 now.",
        "सामुदायिक स्वयंसेवक रोस्टर में सहमति दर्ज होने पर ही सूचना भेज सकते हैं, क्योंकि सूचना के "
        "साथ आपका नाम अधिकारियों तक जाता है। अपने थानाधिकारी या बीट कांस्टेबल से अपनी सहमति दर्ज "
        "करवाएं। मामला तुरंत का हो तो अभी 112 पर कॉल करें।",
    ),
    "alert.vehicle_number": (
        422, "Not a vehicle registration number", "यह वाहन पंजीकरण संख्या नहीं है",
        "Write the number as on the plate: the state code, the district number, the series and "
        "the number, for example RJ14CA1234 (or a Bharat series number such as 22BH1234AA). "
        "Leave it out if you could not read it.",
        "नंबर प्लेट जैसा लिखें: राज्य कोड, जिला संख्या, सीरीज़ और नंबर, जैसे RJ14CA1234 (या भारत "
        "सीरीज़ का नंबर, जैसे 22BH1234AA)। नंबर पढ़ा न जा सका हो तो इसे खाली छोड़ें।",
    ),
    "alert.text_language": (
        422, "Write the alert in Hindi or English", "सूचना हिंदी या अंग्रेज़ी में लिखें",
        "The text has no Hindi or English words. Say what you saw in Hindi or English.",
        "पाठ में हिंदी या अंग्रेज़ी के शब्द नहीं हैं। जो देखा, हिंदी या अंग्रेज़ी में लिखें।",
    ),
    "alert.raised_in_future": (
        422, "The time is in the future", "समय भविष्य का है",
        "The time the alert was raised is ahead of now. Check the date and time on your phone, "
        "then send it again.",
        "सूचना का समय अभी के समय से आगे है। अपने फ़ोन की तारीख और समय जाँचें, फिर दोबारा भेजें।",
    ),
    "alert.station_required": (
        422, "Choose the police station", "थाना चुनें",
        "Your posting is above a police station. Choose the police station where this is "
        "happening (station_id).",
        "आपकी तैनाती थाने से ऊपर की है। वह थाना चुनें जहाँ यह घटना हो रही है (station_id)।",
    ),
    "alert.station_unknown": (
        422, "No such police station", "ऐसा कोई थाना नहीं है",
        "{station} is not a police station in the roster. Choose the station from the list.",
        "{station} रोस्टर में कोई थाना नहीं है। सूची में से थाना चुनें।",
    ),
    "alert.too_many_photos": (
        422, "Too many photos", "बहुत अधिक फ़ोटो",
        "An alert takes at most {limit} photos. Send the clearest ones.",
        "एक सूचना के साथ अधिकतम {limit} फ़ोटो जा सकती हैं। सबसे साफ़ फ़ोटो भेजें।",
    ),
    "alert.not_an_officer": (
        403, "Only an officer of the case", "केवल मामले के अधिकारी",
        "A story is started from an alert by an officer it was sent to. Tell the officer who "
        "closed it if it deserves a story.",
        "सूचना से स्टोरी वही अधिकारी शुरू करते हैं जिन्हें सूचना भेजी गई थी। स्टोरी लायक हो तो मामला "
        "बंद करने वाले अधिकारी को बताएं।",
    ),
    "alert.not_closed": (
        409, "The alert is still open", "सूचना अभी खुली है",
        "A story is started from an alert only after it is closed with its outcome. Close it "
        "first.",
        "सूचना से स्टोरी उसके परिणाम के साथ बंद होने के बाद ही शुरू होती है। पहले इसे बंद करें।",
    ),
    "alert.story_exists": (
        409, "A story was started already", "स्टोरी पहले ही शुरू हो चुकी है",
        "Another officer already started a story from this alert. Ask them, or review it when "
        "it reaches you.",
        "इस सूचना से एक अन्य अधिकारी स्टोरी शुरू कर चुके हैं। उनसे बात करें, या आप तक पहुँचने पर "
        "उसकी समीक्षा करें।",
    ),
    "alert.body_invalid": (
        422, "The alert could not be read", "सूचना पढ़ी नहीं जा सकी",
        "Send the alert as JSON, or as a form with the alert as JSON in the part `alert` and "
        "up to five photos in parts named `photos`.",
        "सूचना JSON में भेजें, या फ़ॉर्म में: सूचना JSON के रूप में `alert` भाग में और अधिकतम पाँच "
        "फ़ोटो `photos` नाम के भागों में।",
    ),
}  # fmt: skip
# Each code at 0 on /metrics from the start ("none refused" is a value on the dashboard).
at_zero(metrics.ALERT_REFUSALS, code=ALERTS)


def alert_refusal(exc: AlertRefusalError) -> ProblemError:
    metrics.ALERT_REFUSALS.labels(exc.code).inc()
    return ProblemError(ALERTS[exc.code][0], exc.code, detail_params=exc.params or None)
