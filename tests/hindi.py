"""Hindi texts written for this repository's tests and benchmarks.

Tests and benchmarks read nothing outside the repository, so the Hindi they send is here: a report
in the manner of the news item the project started from (a Home Department instruction to use
WhatsApp, X and Instagram from the village up to police headquarters), in our own words, with the
conjuncts, nuktas, matras and danda that real member-facing text has.
"""

from __future__ import annotations

HEADLINE = "सोशल मीडिया से अपराधियों पर कड़ी नज़र रखेगी पुलिस, गृह विभाग ने दिए निर्देश"

LEAD = (
    "जयपुर। प्रदेश की पुलिस अब अपराध और आपराधिक गतिविधियों पर और पैनी नज़र रखेगी। पुलिस "
    "मुख्यालय से दिए जाने वाले निर्देश बिना देरी के थाने, चौकी और गांव-ढाणी तक पहुंचेंगे, और इसके "
    "लिए व्हाट्सएप, ट्विटर और इंस्टाग्राम का उपयोग किया जाएगा।"
)

PARAGRAPHS = (
    LEAD,
    "विभागीय सूत्रों के अनुसार गृह विभाग ने पुलिस महानिदेशक को इस बारे में लिखित निर्देश भेजे हैं। "
    "अपराध के आंकड़ों के विश्लेषण में सामने आया कि कई वारदातें समय पर सूचना मिलने से टाली जा सकती "
    "थीं।",
    "हर वृत्ताधिकारी अपने वृत्त के सभी थानाधिकारियों, हेड कांस्टेबलों, कांस्टेबलों, ग्राम रक्षकों "
    "और पुलिस मित्रों को जोड़कर एक व्हाट्सएप समूह बनाएगा। अतिरिक्त महानिदेशक (अपराध) के निर्देश "
    "ज़िला पुलिस अधीक्षक के माध्यम से इन समूहों तक पहुंचेंगे और हर सदस्य को पढ़कर पुष्टि करनी होगी।",
    "थानों में हुई अच्छी कार्रवाई, गिरफ़्तारियां और गिरोहों का पर्दाफ़ाश पुलिस मुख्यालय की अपराध "
    "शाखा और राजस्थान पुलिस के आधिकारिक खातों तक भेजे जाएंगे, ताकि जनता को भी पुलिस के "
    "सकारात्मक कार्यों की जानकारी मिले।",
)

REPORT = HEADLINE + "\n\n" + "\n\n".join(PARAGRAPHS)
