"""Story-intake's problem codes with their Hindi and English texts, said so that a field user
knows what to do next."""

from __future__ import annotations

from nazar_platform.http.problem_messages import register
from nazar_platform.http.problems import ProblemError

from story_intake.api.alert_problems import ALERTS
from story_intake.api.cell_problems import CELL
from story_intake.api.post_problems import POSTS
from story_intake.domain.cell import ApprovalRefusedError
from story_intake.domain.chain import ChainRefusalError
from story_intake.domain.media import MediaRefusalError

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
_STORY.update(CELL)
_STORY.update(POSTS)
_STORY.update(ALERTS)


# Photos, creatives and media URLs: what was wrong with the file, and what to do instead.
_MEDIA: dict[str, tuple[int, str, str, str, str]] = {
    "media.wrong_type": (
        415, "Not a JPEG, PNG or WebP photo", "यह JPEG, PNG या WebP फ़ोटो नहीं है",
        "The file is not a JPEG, PNG or WebP image, whatever its name says. Choose the photo "
        "from the gallery or take it again with the camera.",
        "फ़ाइल JPEG, PNG या WebP चित्र नहीं है, उसका नाम कुछ भी हो। गैलरी से फ़ोटो चुनें या कैमरे से "
        "दोबारा खींचें।",
    ),
    "media.too_large": (
        413, "The photo is too large", "फ़ोटो बहुत बड़ी है",
        "A photo may be at most {limit_mb} MB. Send it at a smaller size (the app can shrink it "
        "to 2,048 pixels).",
        "फ़ोटो अधिकतम {limit_mb} MB की हो सकती है। इसे छोटे आकार में भेजें (ऐप इसे 2,048 पिक्सेल तक "
        "छोटा कर सकता है)।",
    ),
    "media.too_many_pixels": (
        413, "The image has too many pixels", "चित्र में बहुत अधिक पिक्सेल हैं",
        "An image may have at most {megapixels} megapixels once opened. Resize it to 2,048 "
        "pixels on its longest side and send it again.",
        "खुलने पर चित्र में अधिकतम {megapixels} मेगापिक्सेल हो सकते हैं। इसकी लंबी भुजा 2,048 "
        "पिक्सेल करके दोबारा भेजें।",
    ),
    "media.unreadable": (
        422, "The image cannot be opened", "चित्र खुल नहीं रहा है",
        "The file is damaged or incomplete. Take or export the photo again and send it.",
        "फ़ाइल खराब या अधूरी है। फ़ोटो दोबारा खींचें या निर्यात करें और भेजें।",
    ),
    "media.too_many_photos": (
        409, "Too many photos", "बहुत अधिक फ़ोटो",
        "A story may have at most {limit} photos. Remove one before adding another.",
        "एक स्टोरी में अधिकतम {limit} फ़ोटो हो सकती हैं। नई जोड़ने से पहले कोई एक हटाएं।",
    ),
    "media.photos_locked": (
        409, "Photos cannot be changed now", "फ़ोटो अभी बदली नहीं जा सकतीं",
        "Photos can be added or removed only while the story is a draft or after it was sent "
        "back to you.",
        "फ़ोटो केवल तब जोड़ी या हटाई जा सकती हैं जब स्टोरी ड्राफ्ट हो या आपको लौटाई गई हो।",
    ),
    "media.not_found": (
        404, "No such photo", "ऐसी कोई फ़ोटो नहीं है",
        "This photo is not on the story (it may have been removed). Open the story again.",
        "यह फ़ोटो स्टोरी में नहीं है (शायद हटा दी गई है)। स्टोरी दोबारा खोलें।",
    ),
    "media.not_readable": (
        403, "Not your story to see", "यह स्टोरी आप नहीं देख सकते",
        "Only the author and the reviewers of the step the story is at see its photos.",
        "स्टोरी की फ़ोटो केवल लेखक और उस चरण के समीक्षक देख सकते हैं जहाँ स्टोरी है।",
    ),
    "media.not_cell": (
        403, "Only the PHQ cell adds creatives", "क्रिएटिव केवल पीएचक्यू सेल जोड़ता है",
        "Creatives are added by the PHQ social media cell (graphics designer, content writer, "
        "police PRO) or the approvers.",
        "क्रिएटिव पीएचक्यू सोशल मीडिया सेल (ग्राफ़िक डिज़ाइनर, कंटेंट राइटर, पुलिस पीआरओ) या "
        "स्वीकृतकर्ता जोड़ते हैं।",
    ),
    "media.not_at_phq": (
        409, "The story is not at PHQ", "स्टोरी पीएचक्यू पर नहीं है",
        "Creatives are added while the story waits at PHQ. Wait until it is forwarded there.",
        "क्रिएटिव तब जोड़े जाते हैं जब स्टोरी पीएचक्यू पर हो। उसके वहाँ भेजे जाने तक रुकें।",
    ),
    "media.not_approver": (
        403, "Only the approver confirms this", "इसकी पुष्टि केवल स्वीकृतकर्ता करते हैं",
        "SP PHQ Crime or ADG Crime confirms that no person can be identified on a photo.",
        "फ़ोटो पर कोई व्यक्ति पहचाना नहीं जा सकता, इसकी पुष्टि एसपी पीएचक्यू क्राइम या एडीजी क्राइम करते हैं।",
    ),
    "media.not_marked": (
        409, "The story is not marked", "स्टोरी चिह्नित नहीं है",
        "This confirmation is needed only on stories marked sexual offence or child involved.",
        "यह पुष्टि केवल यौन अपराध या बच्चे से जुड़ी चिह्नित स्टोरी पर चाहिए।",
    ),
    "media.reason_required": (
        422, "Give a reason", "कारण लिखें",
        "Say why no person can be identified (for example: faces blurred, only the recovered "
        "goods shown).",
        "लिखें कि कोई व्यक्ति क्यों नहीं पहचाना जा सकता (जैसे: चेहरे धुंधले, केवल बरामद सामान दिखाया)।",
    ),
    "media.link_invalid": (
        404, "No such file", "ऐसी कोई फ़ाइल नहीं है",
        "This media link is not valid. Ask for a new link from the story.",
        "यह मीडिया लिंक मान्य नहीं है। स्टोरी से नया लिंक लें।",
    ),
    "media.link_expired": (
        410, "The link has expired", "लिंक की अवधि समाप्त हो गई है",
        "Media links work for a limited time. Open the story again for a new link.",
        "मीडिया लिंक सीमित समय तक चलते हैं। नए लिंक के लिए स्टोरी दोबारा खोलें।",
    ),
    "creative.unknown_channel": (
        404, "No such channel", "ऐसा कोई चैनल नहीं है",
        "Creatives are for x, facebook or instagram.",
        "क्रिएटिव x, facebook या instagram के लिए होते हैं।",
    ),
    "creative.too_large": (
        413, "Too large for the network", "नेटवर्क के लिए बहुत बड़ा",
        "{channel} takes images of at most {limit_mb} MB. Export the creative smaller.",
        "{channel} अधिकतम {limit_mb} MB के चित्र लेता है। क्रिएटिव छोटा निर्यात करें।",
    ),
    "creative.dimensions": (
        422, "Wrong size for the network", "नेटवर्क के लिए गलत आकार",
        "{channel} takes images from {min} to {max} pixels a side. Export the creative at a "
        "size in that range.",
        "{channel} प्रति भुजा {min} से {max} पिक्सेल के चित्र लेता है। क्रिएटिव इसी सीमा में निर्यात करें।",
    ),
    "creative.aspect": (
        422, "Wrong shape for the network", "नेटवर्क के लिए गलत आकृति",
        "The creative is {aspect}:1 (width to height); {channel} takes {min}:1 to {max}:1. Crop "
        "it to fit (for Instagram 4:5, 1:1 or 1.91:1).",
        "क्रिएटिव {aspect}:1 (चौड़ाई:ऊँचाई) है; {channel} {min}:1 से {max}:1 तक लेता है। इसे उसी "
        "अनुपात में काटें (इंस्टाग्राम के लिए 4:5, 1:1 या 1.91:1)।",
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
    for code, (status, title_en, title_hi, detail_en, detail_hi) in (_STORY | _MEDIA).items():
        register(
            code,
            status,
            title_en=title_en,
            title_hi=title_hi,
            detail_en=detail_en,
            detail_hi=detail_hi,
        )


def refusal(exc: ChainRefusalError) -> ProblemError:
    params = exc.params if isinstance(exc, ApprovalRefusedError) else None
    return ProblemError(_STORY[exc.code][0], exc.code, detail_params=params)


def media_refusal(exc: MediaRefusalError) -> ProblemError:
    status = (_STORY | _MEDIA)[exc.code][0]
    return ProblemError(status, exc.code, detail_params=exc.params)


def codes() -> frozenset[str]:
    return frozenset(_STORY | _MEDIA)
