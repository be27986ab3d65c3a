"""The problem codes of a published post's withdrawal, in Hindi and English, each saying what
the person can do next."""

from __future__ import annotations

# code: (status, title_en, title_hi, detail_en, detail_hi)
POSTS: dict[str, tuple[int, str, str, str, str]] = {
    "post.not_found": (
        404, "No such post", "ऐसी कोई पोस्ट नहीं है",
        "This story has no post with that id. Reload the story and choose the post there.",
        "इस स्टोरी की इस आईडी की कोई पोस्ट नहीं है। स्टोरी दोबारा खोलकर वहीं से पोस्ट चुनें।",
    ),
    "post.not_approver": (
        403, "Only the approver takes a post down", "पोस्ट केवल स्वीकृतकर्ता हटाते हैं",
        "SP PHQ Crime or ADG Crime withdraws a published post and confirms its deletion. Ask "
        "one of them.",
        "प्रकाशित पोस्ट एसपी पीएचक्यू क्राइम या एडीजी क्राइम हटवाते हैं और उसके हटने की पुष्टि "
        "करते हैं। उनमें से किसी से कहें।",
    ),
    "post.reason_required": (
        422, "Give a reason", "कारण लिखें",
        "Say why the post is taken down; the reason is kept with the story's history.",
        "लिखें कि पोस्ट क्यों हटाई जा रही है; कारण स्टोरी के इतिहास में रहता है।",
    ),
    "post.not_posted": (
        409, "The post is not public", "पोस्ट सार्वजनिक नहीं है",
        "Only a published post can be withdrawn; this one was not posted (or not yet). Reload "
        "the story to see its state.",
        "केवल प्रकाशित पोस्ट हटाई जा सकती है; यह पोस्ट प्रकाशित नहीं हुई (या अभी नहीं)। इसकी स्थिति "
        "देखने के लिए स्टोरी दोबारा खोलें।",
    ),
    "post.withdrawal_pending": (
        409, "Already being withdrawn", "पोस्ट पहले से हटाई जा रही है",
        "A withdrawal of this post is under way. Wait for its outcome on the story page (for "
        "Instagram: delete it in the app, then confirm).",
        "इस पोस्ट को हटाने का अनुरोध चल रहा है। स्टोरी के पृष्ठ पर परिणाम की प्रतीक्षा करें "
        "(इंस्टाग्राम के लिए: ऐप में हटाएं, फिर पुष्टि करें)।",
    ),
    "post.withdrawn": (
        409, "The post is withdrawn", "पोस्ट हटाई जा चुकी है",
        "This post is no longer public; there is nothing more to do.",
        "यह पोस्ट अब सार्वजनिक नहीं है; आगे कुछ करने की आवश्यकता नहीं है।",
    ),
    "post.no_withdrawal_task": (
        409, "No deletion task is open", "हटाने का कोई कार्य खुला नहीं है",
        "Only Instagram posts are deleted by hand, once the publisher opened the task. Withdraw "
        "the post first, or reload the story to see whether the task is open.",
        "केवल इंस्टाग्राम पोस्ट हाथ से हटाई जाती हैं, और तभी जब प्रकाशक ने कार्य खोला हो। पहले पोस्ट "
        "हटाने का अनुरोध करें, या स्टोरी दोबारा खोलकर देखें कि कार्य खुला है या नहीं।",
    ),
    "post.withdrawal_confirmed": (
        409, "Already confirmed", "पुष्टि पहले ही हो चुकी है",
        "Someone already confirmed that this post was deleted in the app; the publisher closes "
        "the task.",
        "कोई पहले ही पुष्टि कर चुका है कि यह पोस्ट ऐप में हटा दी गई है; प्रकाशक कार्य बंद करता है।",
    ),
}  # fmt: skip
