"""The real ranges, commissionerates and police districts (as Rajasthan Police publishes them).

State after the January 2025 reorganisation: seven ranges, two commissionerates. Circle and police
station names are made up (the public record gives totals, not lists) except the three circles
of Khairthal-Tijara that it names.
"""

from __future__ import annotations

# (English, Hindi, [(district English, district Hindi), ...])
RANGES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Ajmer", "अजमेर", (
        ("Ajmer", "अजमेर"), ("Bhilwara", "भीलवाड़ा"), ("Tonk", "टोंक"), ("Beawar", "ब्यावर"),
        ("Nagaur", "नागौर"), ("Didwana-Kuchaman", "डीडवाना-कुचामन"),
    )),
    ("Bharatpur", "भरतपुर", (
        ("Bharatpur", "भरतपुर"), ("Dholpur", "धौलपुर"), ("Karauli", "करौली"), ("Deeg", "डीग"),
        ("Sawai Madhopur", "सवाई माधोपुर"),
    )),
    ("Bikaner", "बीकानेर", (
        ("Bikaner", "बीकानेर"), ("Sri Ganganagar", "श्रीगंगानगर"), ("Hanumangarh", "हनुमानगढ़"),
        ("Churu", "चूरू"),
    )),
    ("Jodhpur", "जोधपुर", (
        ("Pali", "पाली"), ("Sirohi", "सिरोही"), ("Jalore", "जालोर"),
        ("Jodhpur Rural", "जोधपुर ग्रामीण"), ("Barmer", "बाड़मेर"), ("Balotra", "बालोतरा"),
        ("Jaisalmer", "जैसलमेर"), ("Phalodi", "फलोदी"),
    )),
    ("Jaipur", "जयपुर", (
        ("Jaipur Rural", "जयपुर ग्रामीण"), ("Sikar", "सीकर"), ("Jhunjhunu", "झुंझुनूं"),
        ("Alwar", "अलवर"), ("Bhiwadi", "भिवाड़ी"), ("Dausa", "दौसा"),
        ("Kotputli-Behror", "कोटपूतली-बहरोड़"), ("Khairthal-Tijara", "खैरथल-तिजारा"),
    )),
    ("Kota", "कोटा", (
        ("Kota City", "कोटा शहर"), ("Kota Rural", "कोटा ग्रामीण"), ("Bundi", "बूंदी"),
        ("Baran", "बारां"), ("Jhalawar", "झालावाड़"),
    )),
    ("Udaipur", "उदयपुर", (
        ("Udaipur", "उदयपुर"), ("Rajsamand", "राजसमंद"), ("Chittorgarh", "चित्तौड़गढ़"),
        ("Pratapgarh", "प्रतापगढ़"), ("Banswara", "बांसवाड़ा"), ("Dungarpur", "डूंगरपुर"),
        ("Salumber", "सलूंबर"),
    )),
)  # fmt: skip

# (English, Hindi, [(DCP district English, Hindi), ...])
COMMISSIONERATES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Jaipur", "जयपुर", (
        ("Jaipur East", "जयपुर पूर्व"), ("Jaipur West", "जयपुर पश्चिम"),
        ("Jaipur North", "जयपुर उत्तर"), ("Jaipur South", "जयपुर दक्षिण"),
    )),
    ("Jodhpur", "जोधपुर", (("Jodhpur East", "जोधपुर पूर्व"), ("Jodhpur West", "जोधपुर पश्चिम"))),
)  # fmt: skip

# Circles the public record names: Khairthal-Tijara has Kishangarh Bas, Bhiwadi and Tijara.
KNOWN_CIRCLES: dict[str, tuple[tuple[str, str], ...]] = {
    "Khairthal-Tijara": (
        ("Kishangarh Bas", "किशनगढ़ बास"),
        ("Bhiwadi", "भिवाड़ी"),
        ("Tijara", "तिजारा"),
    ),
}

# The demo roster's field-alert station for the default seed (`Generator.alert_station`): where
# `deploy/stack up` and the end-to-end test raise alerts (Rohital circle, Bikaner, Bikaner range).
DEMO_ALERT_STATION = "PS-JAISAGAR"
