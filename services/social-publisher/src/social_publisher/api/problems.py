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
