"""The roster's problem codes with their Hindi and English texts."""

from __future__ import annotations

from nazar_platform.http.problem_messages import register

from roster.domain.reasons import REASONS

_CODES: list[tuple[str, int, str, str, str | None, str | None]] = [
    ("roster.unit_not_found", 404, "Unit not found", "इकाई नहीं मिली",
     "No unit has the code {unit_id}.", "कोड {unit_id} की कोई इकाई नहीं है।"),
    ("roster.member_not_found", 404, "Member not found", "सदस्य नहीं मिला",
     "No member has the id {member_id}.", "आईडी {member_id} का कोई सदस्य नहीं है।"),
    ("roster.group_not_found", 404, "Group not found", "समूह नहीं मिला", None, None),
    ("roster.import_not_found", 404, "Import not found", "आयात नहीं मिला", None, None),
    ("roster.unit_exists", 409, "A unit with this code exists", "इस कोड की इकाई पहले से है",
     None, None),
    ("roster.unit_has_children", 409, "The unit still has active units",
     "इस इकाई के अंतर्गत अभी सक्रिय इकाइयाँ हैं",
     "Move or close its units first.", "पहले इसकी इकाइयों को स्थानांतरित या बंद करें।"),
    ("roster.unit_tree", 422, "This change would break the command tree",
     "यह बदलाव कमान संरचना को तोड़ देगा", "{reason}", "{reason}"),
    ("roster.member_invalid", 422, "The member record is not valid", "सदस्य का विवरण मान्य नहीं है",
     "{reasons}", "{reasons_hi}"),
    ("roster.member_exists", 409, "This member exists already", "यह सदस्य पहले से मौजूद है",
     "Change them with PATCH /members/{member_id}.",
     "उन्हें PATCH /members/{member_id} से बदलें।"),
    ("roster.consent_not_applicable", 409, "Consent applies to community volunteers only",
     "सहमति केवल सामुदायिक स्वयंसेवकों पर लागू होती है",
     "Police personnel receive official messages as part of duty.",
     "पुलिस कर्मियों को आधिकारिक संदेश कर्तव्य के रूप में मिलते हैं।"),
    ("roster.import_bad_header", 422, "The file lacks required columns",
     "फ़ाइल में आवश्यक कॉलम नहीं हैं", "Missing: {missing}.", "अनुपस्थित: {missing}।"),
    ("roster.import_not_utf8", 422, "The file is not UTF-8 text", "फ़ाइल UTF-8 पाठ नहीं है",
     "Line {line} is not UTF-8 text; nothing was imported. Save the CSV as UTF-8 and upload it "
     "again.",
     "पंक्ति {line} UTF-8 पाठ नहीं है; कुछ भी आयात नहीं हुआ। CSV को UTF-8 में सहेजकर फिर अपलोड करें।"),
    ("roster.import_not_csv", 422, "The file cannot be read as CSV",
     "फ़ाइल CSV के रूप में पढ़ी नहीं जा सकी",
     "Line {line} cannot be read as CSV (a cell longer than 131,072 characters?); nothing was "
     "imported.",
     "पंक्ति {line} CSV के रूप में पढ़ी नहीं जा सकी (कोई सेल 1,31,072 अक्षरों से लंबा?); कुछ भी "
     "आयात नहीं हुआ।"),
    ("roster.import_not_awaiting_confirmation", 409, "This import awaits no confirmation",
     "यह आयात किसी पुष्टि की प्रतीक्षा में नहीं है",
     "Only a full sync's review is confirmed; this import is {status}.",
     "केवल पूर्ण मिलान की समीक्षा की पुष्टि होती है; इस आयात की स्थिति: {status}।"),
    ("roster.import_review_expired", 409, "The review of this full sync has expired",
     "इस पूर्ण मिलान की समीक्षा की अवधि समाप्त हो गई",
     "Nothing was applied. Upload the file again for a new review.",
     "कुछ भी लागू नहीं हुआ। नई समीक्षा के लिए फ़ाइल फिर अपलोड करें।"),
    ("auth.phone_invalid", 422, "This is not a mobile number", "यह मोबाइल नंबर नहीं है",
     "Enter your 10-digit mobile number, as it is on the roster.",
     "अपना 10 अंकों का मोबाइल नंबर लिखें, जैसा रोस्टर में दर्ज है।"),
    ("auth.too_many", 429, "Too many codes asked for", "बहुत अधिक कोड माँगे गए",
     "Wait {retry_after} seconds, then ask for a new code.",
     "{retry_after} सेकंड रुकें, फिर नया कोड माँगें।"),
    ("auth.code_wrong", 401, "The code is not right", "कोड सही नहीं है",
     "Check the code in your message; {attempts_left} tries left.",
     "अपने संदेश में कोड देखें; {attempts_left} प्रयास बाकी हैं।"),
    ("auth.code_locked", 403, "Too many wrong codes", "बहुत बार गलत कोड डाला गया",
     "This code no longer works. Ask for a new code.",
     "यह कोड अब काम नहीं करेगा। नया कोड माँगें।"),
    ("auth.code_expired", 410, "The code has expired", "कोड की अवधि समाप्त हो गई",
     "A code works for 5 minutes. Ask for a new code.",
     "कोड 5 मिनट तक ही काम करता है। नया कोड माँगें।"),
    ("auth.code_used", 409, "This code was used already", "यह कोड पहले ही इस्तेमाल हो चुका है",
     "Ask for a new code to sign in again.", "फिर से साइन इन करने के लिए नया कोड माँगें।"),
    ("auth.sign_in_unknown", 404, "No such sign-in", "ऐसा कोई साइन-इन नहीं है",
     "Start again: enter your mobile number.", "फिर से शुरू करें: अपना मोबाइल नंबर लिखें।"),
    ("roster.import_units_state_only", 403, "Only headquarters imports units",
     "इकाइयाँ केवल मुख्यालय आयात करता है", None, None),
    # Issue 16, item 2: the token step (api/auth.py).
    ("auth.ticket_invalid", 400, "This sign-in ticket is not valid", "यह साइन-इन टिकट मान्य नहीं है",
     "Sign in again with a new code.", "नए कोड से फिर साइन इन करें।"),
    ("auth.ticket_used", 400, "This sign-in ticket was used already",
     "यह साइन-इन टिकट पहले ही उपयोग हो चुका है",
     "A ticket gives tokens once. Sign in again with a new code.",
     "एक टिकट से टोकन केवल एक बार मिलते हैं। नए कोड से फिर साइन इन करें।"),
    ("auth.ticket_expired", 400, "This sign-in ticket has expired",
     "इस साइन-इन टिकट की अवधि समाप्त हो गई", "Sign in again with a new code.",
     "नए कोड से फिर साइन इन करें।"),
    ("auth.passkey_required", 403, "This sign-in needs your passkey",
     "इस साइन-इन के लिए आपकी पासकी आवश्यक है",
     "Your posting needs a passkey as well as the code; confirm it, then ask again.",
     "आपकी तैनाती के लिए कोड के साथ पासकी भी आवश्यक है; उसकी पुष्टि करके फिर अनुरोध करें।"),
    ("auth.refresh_invalid", 401, "You are signed out", "आप साइन आउट हैं",
     "Sign in again.", "फिर साइन इन करें।"),
    ("auth.refresh_expired", 401, "Your session has expired", "आपका सत्र समाप्त हो गया",
     "Sign in again.", "फिर साइन इन करें।"),
    ("auth.refresh_revoked", 401, "Your session was ended", "आपका सत्र समाप्त कर दिया गया",
     "Sign in again.", "फिर साइन इन करें।"),
    ("auth.refresh_reused", 401, "Your session was ended for safety",
     "सुरक्षा के लिए आपका सत्र समाप्त कर दिया गया",
     "This sign-in was used from two places, so it was ended on all of them. Sign in again.",
     "यह साइन-इन दो जगहों से उपयोग हुआ, इसलिए सभी जगह समाप्त कर दिया गया। फिर साइन इन करें।"),
    ("auth.no_grants", 403, "You hold no posting on the roster",
     "रोस्टर पर आपकी कोई तैनाती नहीं है",
     "Only active members with a posting can sign in.",
     "केवल तैनाती वाले सक्रिय सदस्य ही साइन इन कर सकते हैं।"),
    # Issue 16, item 6: OpenID Connect (api/oidc.py). The callback's refusals reach the browser
    # as `?problem=<code>` on the sign-in page, which shows these texts.
    ("auth.oidc_off", 404, "Single sign-on is not set up here", "यहाँ एकल साइन-ऑन उपलब्ध नहीं है",
     "Sign in with your mobile number.", "अपने मोबाइल नंबर से साइन इन करें।"),
    ("auth.next_invalid", 422, "The page to return to is not on this site",
     "लौटने वाला पृष्ठ इस साइट का नहीं है", None, None),
    ("auth.oidc_state_invalid", 400, "This sign-in has expired or was not started here",
     "यह साइन-इन समाप्त हो गया या यहाँ से शुरू नहीं हुआ",
     "Start again from the sign-in page.", "साइन-इन पृष्ठ से फिर शुरू करें।"),
    ("auth.oidc_provider_error", 502, "Single sign-on did not complete",
     "एकल साइन-ऑन पूरा नहीं हुआ",
     "Try again, or sign in with your mobile number.",
     "फिर प्रयास करें, या अपने मोबाइल नंबर से साइन इन करें।"),
    ("auth.oidc_token_invalid", 401, "Single sign-on sent an answer that cannot be trusted",
     "एकल साइन-ऑन का उत्तर विश्वसनीय नहीं है",
     "Try again, or sign in with your mobile number.",
     "फिर प्रयास करें, या अपने मोबाइल नंबर से साइन इन करें।"),
    ("auth.oidc_refused", 403, "You cannot sign in this way", "आप इस तरह साइन इन नहीं कर सकते",
     "Single sign-on is for officers on the roster. Sign in with your mobile number.",
     "एकल साइन-ऑन रोस्टर के अधिकारियों के लिए है। अपने मोबाइल नंबर से साइन इन करें।"),
    ("auth.origin_refused", 403, "Request from another site refused",
     "दूसरी साइट से आया अनुरोध अस्वीकार", None, None),
    ("auth.token_request_invalid", 400, "The token request lacks its ticket or refresh token",
     "टोकन अनुरोध में टिकट या रिफ्रेश टोकन नहीं है", None, None),
]  # fmt: skip


def register_all() -> None:
    for code, status, title_en, title_hi, detail_en, detail_hi in _CODES:
        register(
            code,
            status,
            title_en=title_en,
            title_hi=title_hi,
            detail_en=detail_en,
            detail_hi=detail_hi,
        )


def reasons_text(codes: list[str]) -> tuple[str, str]:
    """The import reasons of a rejected member, in English and Hindi."""
    en = "; ".join(REASONS.get(c, (c, c))[1] for c in codes)
    hi = "; ".join(REASONS.get(c, (c, c))[0] for c in codes)
    return en, hi
