"""The publisher's problem codes with their Hindi and English texts (documents are built by
`nazar_platform.http.problems`, under the `problem_type_base` setting)."""

from __future__ import annotations

from nazar_platform.http.problem_messages import register


def register_codes() -> None:
    register(
        "malformed",
        400,
        title_en="Malformed webhook",
        title_hi="वेबहुक पढ़ा नहीं जा सका",
        detail_en="The {what} cannot be read: {error}",
        detail_hi="{what} पढ़ा नहीं जा सका: {error}",
    )
    register(
        "unavailable",
        503,
        title_en="Try again later",
        title_hi="बाद में फिर प्रयास करें",
        detail_en="The database is unavailable; nothing was applied.",
        detail_hi="डेटाबेस उपलब्ध नहीं है; कुछ भी लागू नहीं हुआ।",
    )
    register(
        "social_post_unknown",
        404,
        title_en="No such post",
        title_hi="ऐसी कोई पोस्ट नहीं",
        detail_en="The publisher has no post {post_id}: check the id in the story's publish"
        " results, or wait a moment if it was approved just now.",
        detail_hi="प्रकाशक के पास पोस्ट {post_id} नहीं है: स्टोरी के प्रकाशन परिणामों में आईडी जाँचें,"
        " या अभी-अभी स्वीकृत हुई हो तो थोड़ी देर रुकें।",
    )
    # The publisher's own media URLs (`GET /media/{sha256}?token=`), which Instagram fetches.
    register(
        "media.link_invalid",
        403,
        title_en="This media link is not valid",
        title_hi="यह मीडिया लिंक मान्य नहीं है",
        detail_en="The link was not issued by the publisher or was changed. Publish the post "
        "again for a new link.",
        detail_hi="यह लिंक पब्लिशर ने जारी नहीं किया या बदला गया है। नए लिंक के लिए पोस्ट "
        "दोबारा प्रकाशित करें।",
    )
    register(
        "media.link_expired",
        410,
        title_en="The link has expired",
        title_hi="लिंक की अवधि समाप्त हो गई है",
        detail_en="Media links work for a limited time. Publishing the post again makes a new "
        "link.",
        detail_hi="मीडिया लिंक सीमित समय तक चलते हैं। पोस्ट दोबारा प्रकाशित करने पर नया लिंक बनता है।",
    )
    register(
        "media.gone",
        404,
        title_en="The file is no longer kept",
        title_hi="फ़ाइल अब रखी नहीं गई है",
        detail_en="No post needs this file any more and it was deleted. Approve the post again "
        "to fetch it from the story.",
        detail_hi="अब किसी पोस्ट को इस फ़ाइल की ज़रूरत नहीं थी, इसलिए इसे हटा दिया गया। "
        "स्टोरी से दोबारा लाने के लिए पोस्ट फिर से स्वीकृत करें।",
    )


def register_x_codes() -> None:
    """Connecting an X account (api/x_oauth.py)."""
    texts = {
        "x_account_unknown": (
            "Unknown X account",
            "X खाता नहीं मिला",
            "No X account has this id; check the account list.",
            "इस पहचान का कोई X खाता नहीं है; खातों की सूची देखें।",
        ),
        "x_connect_expired": (
            "Connection link expired",
            "जोड़ने का लिंक पुराना हो गया",
            "This authorization was already used or took too long; start connecting again.",
            "यह अनुमति पहले ही उपयोग हो चुकी है या बहुत देर हुई; फिर से जोड़ना शुरू करें।",
        ),
        "x_connect_refused": (
            "X refused the authorization",
            "X ने अनुमति अस्वीकार की",
            "X did not accept the authorization code; start connecting again.",
            "X ने अनुमति कोड स्वीकार नहीं किया; फिर से जोड़ना शुरू करें।",
        ),
        "x_connect_denied": (
            "Authorization not given",
            "अनुमति नहीं दी गई",
            "The account's owner did not approve on X; start again and approve.",
            "खाते के स्वामी ने X पर अनुमति नहीं दी; फिर से शुरू करें और अनुमति दें।",
        ),
        "x_wrong_account": (
            "Another X account",
            "दूसरा X खाता",
            "The approval came from another X login than this account; sign in to X as the "
            "account and connect again.",
            "अनुमति इस खाते के बजाय किसी दूसरे X लॉगिन से आई; X पर इसी खाते से साइन इन करके फिर जोड़ें।",
        ),
        "x_unavailable": (
            "X is not answering",
            "X उत्तर नहीं दे रहा",
            "X did not answer; try connecting again in a few minutes.",
            "X से उत्तर नहीं मिला; कुछ मिनट बाद फिर से जोड़ें।",
        ),
        "x_not_configured": (
            "X is not set up",
            "X की व्यवस्था नहीं है",
            "This publisher has no X client configured; ask the administrator.",
            "इस प्रकाशक में X क्लाइंट की व्यवस्था नहीं है; व्यवस्थापक से कहें।",
        ),
    }
    status = {
        "x_account_unknown": 404,
        "x_connect_expired": 400,
        "x_connect_refused": 400,
        "x_connect_denied": 400,
        "x_wrong_account": 409,
        "x_unavailable": 503,
        "x_not_configured": 503,
    }
    for code, (title_en, title_hi, detail_en, detail_hi) in texts.items():
        register(
            code,
            status[code],
            title_en=title_en,
            title_hi=title_hi,
            detail_en=detail_en,
            detail_hi=detail_hi,
        )
