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
