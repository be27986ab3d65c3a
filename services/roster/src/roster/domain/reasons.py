"""Why a row of an import is rejected: every reason code with its Hindi and English text.

The report shows these next to the row number and the column (never the value: it may be a
phone number)."""

from __future__ import annotations

# code -> (Hindi, English)
REASONS: dict[str, tuple[str, str]] = {
    "missing-personnel-no": ("कार्मिक संख्या नहीं दी गई", "personnel number is missing"),
    "missing-name": ("नाम (हिंदी या अंग्रेज़ी) नहीं दिया गया", "name is missing (Hindi or Latin)"),
    "name-hi-not-devanagari": ("हिंदी नाम देवनागरी में नहीं है", "name_hi is not in Devanagari"),
    "name-too-long": ("नाम बहुत लंबा है", "name is longer than 200 characters"),
    "unknown-rank": ("पद मान्य नहीं है", "rank/role is not one of the documented values"),
    "not-a-volunteer-role": ("स्वयंसेवक की भूमिका नहीं है", "role is not a volunteer role"),
    "volunteer-role-in-hr-export": (
        "स्वयंसेवक की भूमिका HR फ़ाइल में नहीं",
        "volunteer roles belong in the volunteer list",
    ),
    "missing-unit": ("इकाई कोड नहीं दिया गया", "unit code is missing"),
    "bad-unit-code": ("इकाई कोड का प्रारूप गलत है", "unit code is not a valid code"),
    "bad-date": ("तारीख YYYY-MM-DD प्रारूप में नहीं है", "date is not YYYY-MM-DD"),
    "bad-whatsapp": ("व्हाट्सऐप नंबर मान्य मोबाइल नंबर नहीं है", "WhatsApp number is invalid"),
    "bad-sms": ("एसएमएस नंबर मान्य मोबाइल नंबर नहीं है", "SMS number is invalid"),
    "bad-language": ("भाषा hi या en होनी चाहिए", "language must be hi or en"),
    "bad-flag": ("हाँ/नहीं वाला कॉलम गलत है", "a yes/no column has another value"),
    "bad-additional-charge": (
        "अतिरिक्त प्रभार का प्रारूप गलत है (पद@इकाई;...)",
        "additional_charge is not rank@UNIT;...",
    ),
    "missing-key": (
        "स्वयंसेवक आईडी या मोबाइल नंबर में से एक आवश्यक है",
        "a volunteer needs a volunteer_id or a phone number",
    ),
    "bad-consent": (
        "सहमति granted, pending या withdrawn हो",
        "consent is not granted/pending/withdrawn",
    ),
    "consent-date-required": ("सहमति की तारीख आवश्यक है", "granted consent needs consent_date"),
    "bad-consent-method": ("सहमति का तरीका मान्य नहीं", "consent_method is not a documented value"),
    "duplicate-key": ("यह व्यक्ति फ़ाइल में पहले आ चुका है", "this member appears earlier in the file"),
    "unknown-unit": ("यह इकाई रोस्टर में नहीं है", "no unit has this code"),
    "unit-closed": ("यह इकाई बंद हो चुकी है", "the unit is closed"),
    "rank-not-allowed-at-unit": (
        "इस पद की तैनाती इस प्रकार की इकाई पर नहीं होती",
        "this rank/role cannot be posted at this kind of unit",
    ),
    "outside-scope": ("यह इकाई आपके क्षेत्र से बाहर है", "the unit is outside your area"),
    "invalid-text": (
        "इस कॉलम में ऐसे अक्षर हैं जो पाठ नहीं हैं (जैसे NUL या नियंत्रण अक्षर)",
        "the column holds characters that are not text (such as NUL or control characters)",
    ),
    "bad-unit-kind": ("इकाई का प्रकार मान्य नहीं है", "kind is not a documented unit kind"),
    "missing-field": ("आवश्यक कॉलम खाली है", "a required column is empty"),
    "unit-parent-required": ("मूल इकाई आवश्यक है", "this kind of unit needs a parent"),
    "unit-parent-kind": (
        "इस प्रकार की इकाई इस मूल इकाई के अंतर्गत नहीं हो सकती",
        "this kind of unit cannot sit under that parent",
    ),
    "erased-member": (
        "इस व्यक्ति का डेटा अनुरोध पर मिटाया गया था",
        "this member was erased on request; add them again through the roster office",
    ),
}
