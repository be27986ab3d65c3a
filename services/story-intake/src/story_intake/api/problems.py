"""Story-intake's problem codes with their Hindi and English texts, said so that a field user
knows what to do next."""

from __future__ import annotations

from nazar_platform.http.problem_messages import register
from nazar_platform.http.problems import ProblemError

from story_intake.domain.chain import ChainRefusalError

TEXT_TOO_LONG = "story.text_too_long"
NOT_FOUND = "story.not_found"

# code: (status, title_en, title_hi, detail_en, detail_hi)
_STORY: dict[str, tuple[int, str, str, str, str]] = {
    NOT_FOUND: (
        404, "No such story", "ऐसी कोई स्टोरी नहीं है",
        "This story does not exist. Open the list again and choose it there.",
        "यह स्टोरी मौजूद नहीं है। सूची दोबारा खोलें और वहीं से चुनें।",
    ),
    "story.unit_unknown": (
        422, "Your posting is not known yet", "आपकी तैनाती अभी दर्ज नहीं है",
        "Your unit is not in the roster yet. Ask your SHO or CO to check your posting, then try "
        "again.",
        "आपकी इकाई अभी रोस्टर में नहीं है। अपने थानाधिकारी या सीओ से तैनाती जँचवाएं, फिर प्रयास करें।",
    ),
    "story.consent_missing": (
        403, "Your consent is not recorded", "आपकी सहमति दर्ज नहीं है",
        "Stories are taken from community volunteers only with their consent recorded in the "
        "roster. Ask your SHO or beat constable to record your consent, then send the story "
        "again.",
        "सामुदायिक स्वयंसेवकों से स्टोरी केवल रोस्टर में उनकी सहमति दर्ज होने पर ली जाती है। अपने "
        "थानाधिकारी या बीट कांस्टेबल से अपनी सहमति दर्ज करवाएं, फिर स्टोरी दोबारा भेजें।",
    ),
    "story.not_author": (
        403, "Not your story", "यह आपकी स्टोरी नहीं है",
        "Only the author can change, submit or withdraw a story.",
        "स्टोरी को केवल उसका लेखक बदल, भेज या वापस ले सकता है।",
    ),
    "story.not_editable": (
        409, "The story cannot be changed now", "स्टोरी अभी बदली नहीं जा सकती",
        "A story can be changed only as a draft or after it was sent back to you. Wait for the "
        "reviewer's decision, or withdraw it.",
        "स्टोरी ड्राफ्ट रहते या आपको लौटाए जाने के बाद ही बदली जा सकती है। समीक्षक के निर्णय का "
        "इंतजार करें या इसे वापस लें।",
    ),
    "story.not_submittable": (
        409, "The story was sent already", "स्टोरी पहले ही भेजी जा चुकी है",
        "This story is already with the reviewers or closed; there is nothing to send.",
        "यह स्टोरी पहले से समीक्षा में है या बंद है; भेजने को कुछ नहीं है।",
    ),
    "story.already_approved": (
        409, "The story is approved", "स्टोरी स्वीकृत हो चुकी है",
        "An approved story cannot be withdrawn. Ask the PHQ cell if something must change.",
        "स्वीकृत स्टोरी वापस नहीं ली जा सकती। कुछ बदलना हो तो पीएचक्यू सेल से संपर्क करें।",
    ),
    "story.closed": (
        409, "The story is closed", "स्टोरी बंद हो चुकी है",
        "This story was rejected or withdrawn. Write a new story instead.",
        "यह स्टोरी अस्वीकृत या वापस ली जा चुकी है। इसके स्थान पर नई स्टोरी लिखें।",
    ),
    "story.not_in_review": (
        409, "The story is not waiting for review", "स्टोरी समीक्षा के लिए प्रतीक्षा में नहीं है",
        "Someone decided on this story already, or it went back to its author. Reload your queue.",
        "इस स्टोरी पर निर्णय हो चुका है या यह लेखक को लौट चुकी है। अपनी कतार दोबारा खोलें।",
    ),
    "story.own_story": (
        403, "This is your own story", "यह आपकी अपनी स्टोरी है",
        "No one reviews their own story; it goes to the next level for review.",
        "कोई अपनी स्टोरी की समीक्षा नहीं करता; यह समीक्षा के लिए अगले स्तर पर जाती है।",
    ),
    "story.not_your_queue": (
        403, "Not in your queue", "आपकी कतार में नहीं है",
        "This story waits for another reviewer. Open your own queue.",
        "यह स्टोरी किसी अन्य समीक्षक के पास है। अपनी कतार खोलें।",
    ),
    "story.claimed_by_other": (
        409, "Someone else is working on it", "इस पर कोई और काम कर रहा है",
        "Another reviewer has claimed this story. Wait until the claim lapses or choose another "
        "story.",
        "किसी अन्य समीक्षक ने यह स्टोरी ले रखी है। उनका दावा समाप्त होने तक रुकें या दूसरी स्टोरी चुनें।",
    ),
    "story.note_required": (
        422, "Write a note for the author", "लेखक के लिए टिप्पणी लिखें",
        "When sending a story back, say what the author should change.",
        "स्टोरी लौटाते समय लिखें कि लेखक क्या बदले।",
    ),
    "story.reason_required": (
        422, "Give a reason", "कारण लिखें",
        "A story is rejected only with a reason the author can read.",
        "स्टोरी केवल ऐसे कारण के साथ अस्वीकृत होती है जिसे लेखक पढ़ सके।",
    ),
    "story.no_next_level": (
        409, "Approve instead", "आगे भेजने के बजाय स्वीकृत करें",
        "PHQ is the last step: approve, send back or reject the story.",
        "पीएचक्यू अंतिम स्तर है: स्टोरी स्वीकृत करें, लौटाएं या अस्वीकृत करें।",
    ),
    "story.approve_at_phq": (
        409, "Approval happens at PHQ", "स्वीकृति पीएचक्यू पर होती है",
        "Forward the story to the next level; it is approved at PHQ.",
        "स्टोरी अगले स्तर पर भेजें; स्वीकृति पीएचक्यू पर होती है।",
    ),
    "story.not_approver": (
        403, "Only the approver approves", "केवल स्वीकृतकर्ता स्वीकृत करते हैं",
        "SP PHQ Crime or ADG Crime approves stories. Prepare it and leave it for them.",
        "स्टोरी एसपी पीएचक्यू क्राइम या एडीजी क्राइम स्वीकृत करते हैं। इसे तैयार कर उनके लिए छोड़ दें।",
    ),
    "story.own_edit": (
        403, "You made the last change", "अंतिम बदलाव आपका है",
        "Whoever made the last change cannot approve it. Ask the other approver.",
        "जिसने अंतिम बदलाव किया वह उसे स्वीकृत नहीं कर सकता। दूसरे स्वीकृतकर्ता से कहें।",
    ),
}  # fmt: skip


def register_all() -> None:
    register(
        TEXT_TOO_LONG,
        422,
        title_en="The text is too long for the gate",
        title_hi="पाठ गेट के लिए बहुत लंबा है",
        detail_en="Send at most {limit} characters at a time.",
        detail_hi="एक बार में अधिकतम {limit} अक्षर भेजें।",
    )
    for code, (status, title_en, title_hi, detail_en, detail_hi) in _STORY.items():
        register(
            code,
            status,
            title_en=title_en,
            title_hi=title_hi,
            detail_en=detail_en,
            detail_hi=detail_hi,
        )


def refusal(exc: ChainRefusalError) -> ProblemError:
    return ProblemError(_STORY[exc.code][0], exc.code)


def codes() -> frozenset[str]:
    return frozenset(_STORY)
