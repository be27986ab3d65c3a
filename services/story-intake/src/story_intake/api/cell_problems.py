"""The PHQ cell's problem codes (versions, gate findings, marks, approval), in Hindi and English.
Details name the channel, version, rule or counted length the refusal is about."""

from __future__ import annotations

# code: (status, title_en, title_hi, detail_en, detail_hi)
CELL: dict[str, tuple[int, str, str, str, str]] = {
    "story.use_approval": (
        409, "Approve with channels and scope", "चैनल और दायरे के साथ स्वीकृत करें",
        "Approval names the circulation scope and the public channels: use Approve in the "
        "story's approval panel (POST /api/v1/stories/{{id}}/approval).",
        "स्वीकृति में प्रसार का दायरा और सार्वजनिक चैनल बताए जाते हैं: स्टोरी के स्वीकृति पैनल से "
        "स्वीकृत करें (POST /api/v1/stories/{{id}}/approval)।",
    ),
    "story.not_at_phq": (
        409, "The story is not with the PHQ cell", "स्टोरी पीएचक्यू सेल के पास नहीं है",
        "Versions, acknowledgements and approval happen while the story waits at PHQ. Reload the "
        "story to see where it is.",
        "संस्करण, स्वीकृति-टिप्पणी और स्वीकृति तभी होती हैं जब स्टोरी पीएचक्यू पर प्रतीक्षा में हो। "
        "स्टोरी दोबारा खोलकर देखें कि वह कहां है।",
    ),
    "story.not_writer": (
        403, "Only the cell's writers write versions", "संस्करण केवल सेल के लेखक लिखते हैं",
        "The content writer, the police PRO or SP PHQ Crime writes a channel's text. Ask one of "
        "them.",
        "चैनल का पाठ कंटेंट राइटर, पुलिस पीआरओ या एसपी पीएचक्यू क्राइम लिखते हैं। उनमें से किसी से "
        "कहें।",
    ),
    "story.unknown_channel": (
        404, "No such channel", "ऐसा कोई चैनल नहीं है",
        "The channels are x, facebook, instagram and circulation. Choose one of them.",
        "चैनल हैं: x, facebook, instagram और circulation। इनमें से एक चुनें।",
    ),
    "story.channel_shape": (
        422, "A public channel takes one text", "सार्वजनिक चैनल में एक ही पाठ होता है",
        "Write the post's text in `text`; titles and bodies are for the circulation.",
        "पोस्ट का पाठ `text` में लिखें; शीर्षक और मुख्य पाठ प्रसार (circulation) के लिए हैं।",
    ),
    "story.circulation_shape": (
        422, "The circulation needs a title and a text", "प्रसार के लिए शीर्षक और पाठ चाहिए",
        "Give the circulation a title and a body, each in Hindi or English.",
        "प्रसार के लिए शीर्षक और मुख्य पाठ दें, हर एक हिंदी या अंग्रेज़ी में।",
    ),
    "story.no_such_version": (
        404, "No such version", "ऐसा कोई संस्करण नहीं है",
        "This channel has no version with that number. Open the list of versions and choose one.",
        "इस चैनल का इस क्रमांक का कोई संस्करण नहीं है। संस्करणों की सूची खोलकर एक चुनें।",
    ),
    "story.no_such_finding": (
        404, "No such finding", "ऐसी कोई आपत्ति नहीं है",
        "This version has no finding with that number. Reload the version and choose it there.",
        "इस संस्करण में इस क्रमांक की कोई आपत्ति नहीं है। संस्करण दोबारा खोलकर वहीं से चुनें।",
    ),
    "story.block_not_acknowledgeable": (
        422, "A blocking finding cannot be waved through", "रोकने वाली आपत्ति स्वीकार नहीं की जा सकती",
        "The law forbids publishing this. Remove it: redact the finding, which makes a new "
        "version.",
        "कानून इसे प्रकाशित करने से रोकता है। इसे हटाएं: आपत्ति को हटाने (redact) से नया संस्करण "
        "बनता है।",
    ),
    "story.no_version": (
        422, "A channel has no text yet", "एक चैनल का पाठ अभी नहीं लिखा गया",
        "There is no version for {channel} yet. Ask the content writer to write it, then approve.",
        "{channel} का अभी कोई संस्करण नहीं है। कंटेंट राइटर से लिखवाएं, फिर स्वीकृत करें।",
    ),
    "story.own_version": (
        403, "You wrote a version being approved", "स्वीकृत होने वाला संस्करण आपने लिखा है",
        "You wrote version {version} of {channel}; whoever wrote a text does not approve it. Ask "
        "the other approver.",
        "{channel} का संस्करण {version} आपने लिखा है; जिसने पाठ लिखा वह उसे स्वीकृत नहीं करता। दूसरे "
        "स्वीकृतकर्ता से कहें।",
    ),
    "story.too_long": (
        422, "The text is too long for the network", "पाठ नेटवर्क के लिए बहुत लंबा है",
        "The {channel} text counts {length} characters; at most {limit} go out. Shorten it in a "
        "new version (for X, the approver may instead send it as a numbered thread).",
        "{channel} का पाठ {length} अक्षर का है; अधिकतम {limit} जा सकते हैं। नए संस्करण में इसे छोटा "
        "करें (X के लिए स्वीकृतकर्ता इसे क्रमांकित थ्रेड में भी भेज सकते हैं)।",
    ),
    "story.too_many_hashtags": (
        422, "Too many hashtags", "बहुत अधिक हैशटैग",
        "The {channel} text has {count} hashtags; at most {limit} are allowed. Remove some in a "
        "new version.",
        "{channel} के पाठ में {count} हैशटैग हैं; अधिकतम {limit} की अनुमति है। नए संस्करण में कुछ "
        "हटाएं।",
    ),
    "story.block_remains": (
        409, "A blocking finding remains", "रोकने वाली आपत्ति अभी बाकी है",
        "Version {version} of {channel} still has a '{rule}' finding the law forbids publishing. "
        "Redact it (one click makes a new version), then approve.",
        "{channel} के संस्करण {version} में अभी '{rule}' आपत्ति है जिसे कानून प्रकाशित करने से "
        "रोकता है। इसे हटाएं (एक क्लिक से नया संस्करण बनता है), फिर स्वीकृत करें।",
    ),
    "story.review_unacknowledged": (
        409, "A finding needs your acknowledgement", "एक आपत्ति पर आपकी स्वीकृति-टिप्पणी चाहिए",
        "Version {version} of {channel} has a '{rule}' finding to review. Acknowledge it with a "
        "reason, or redact it, then approve.",
        "{channel} के संस्करण {version} में '{rule}' आपत्ति की समीक्षा बाकी है। कारण लिखकर उसे "
        "स्वीकार करें या हटाएं, फिर स्वीकृत करें।",
    ),
    "story.images_unconfirmed": (
        409, "Confirm the images first", "पहले छवियों की पुष्टि करें",
        "The story is marked (sexual offence or child) and {count} of its images has no "
        "confirmation that no person can be identified on it. Confirm each one, or remove it, "
        "then approve for public channels.",
        "स्टोरी चिह्नित है (यौन अपराध या बालक/बालिका) और इसकी {count} छवियों पर पुष्टि नहीं है कि "
        "उनमें किसी व्यक्ति की पहचान नहीं हो सकती। हर एक की पुष्टि करें या उसे हटाएं, फिर सार्वजनिक "
        "चैनलों के लिए स्वीकृत करें।",
    ),
}  # fmt: skip
