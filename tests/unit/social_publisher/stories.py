"""Hindi stories for the X tests, written for this repository."""

from __future__ import annotations

# A 300-character story (code points) of a district's police work, with emoji and a link. With a
# short link it weighs more than 280 (a long link would weigh 23 and let it fit: see below).
LINK = "https://t.co/Rj2026pol"
STORY = (
    "जयपुर पुलिस ने आज सुबह एक बड़ी कार्रवाई में चोरी के बारह वाहन बरामद किए। 🚓👮‍♀️ "
    "पुलिस अधीक्षक ने बताया कि गिरोह के तीन सदस्य पकड़े गए हैं और पूछताछ जारी है। "
    "नागरिकों से अपील है कि संदिग्ध गतिविधि की सूचना तुरंत 112 पर दें। "
    f"पूरी जानकारी: {LINK} #RajasthanPolice #सुरक्षित_राजस्थान 🇮🇳 जय"
)
