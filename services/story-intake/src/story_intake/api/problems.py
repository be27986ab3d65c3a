"""Story-intake's problem codes with their Hindi and English texts."""

from __future__ import annotations

from nazar_platform.http.problem_messages import register

TEXT_TOO_LONG = "story.text_too_long"


def register_all() -> None:
    register(
        TEXT_TOO_LONG,
        422,
        title_en="The text is too long for the gate",
        title_hi="पाठ गेट के लिए बहुत लंबा है",
        detail_en="Send at most {limit} characters at a time.",
        detail_hi="एक बार में अधिकतम {limit} अक्षर भेजें।",
    )
