"""The directive's problem codes with their Hindi and English texts, and domain errors as problem
documents (`nazar_platform.http.problems`)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from nazar_platform.http import problem_messages
from nazar_platform.http.problems import ProblemError, problem_response

from directive.domain.campaigns import PostUrlRefusedError
from directive.domain.model import ConflictError, DomainError, InvalidRequestError, NotFoundError

# The first class an error is an instance of decides: a subclass comes before its base.
_DOMAIN = {
    PostUrlRefusedError: (422, "directive.post_url_refused"),
    InvalidRequestError: (422, "directive.invalid_request"),
    ConflictError: (409, "directive.conflict"),
    NotFoundError: (404, "directive.not_found"),
}
for _code, _status, _en, _hi in (
    ("directive.invalid_request", 422, "Invalid request", "अमान्य अनुरोध"),
    ("directive.conflict", 409, "Not possible now", "अभी संभव नहीं"),
    ("directive.not_found", 404, "Not found", "नहीं मिला"),
    ("directive.attachment_refused", 422, "Attachment refused", "संलग्नक अस्वीकार"),
    ("directive.post_url_refused", 422, "Public post refused", "सार्वजनिक पोस्ट अस्वीकार"),
    ("directive.incident_not_found", 404, "No such alert", "ऐसा कोई अलर्ट नहीं"),
):
    problem_messages.register(
        _code,
        _status,
        title_en=_en,
        title_hi=_hi,
        detail_en="{detail_en}",
        detail_hi="{detail_hi}",
    )
problem_messages.register(
    "directive.link_invalid",
    404,
    title_en="This link is not valid",
    title_hi="यह लिंक मान्य नहीं है",
    detail_en="Open the message from the latest notice you received, or from the field app.",
    detail_hi="कृपया प्राप्त सूचना के नवीनतम लिंक या फ़ील्ड ऐप से संदेश खोलें।",
)
problem_messages.register(
    "directive.link_expired",
    410,
    title_en="This link has expired",
    title_hi="इस लिंक की अवधि समाप्त हो गई है",
    detail_en="The message is still in your inbox in the field app.",
    detail_hi="संदेश फ़ील्ड ऐप में आपके इनबॉक्स में अब भी उपलब्ध है।",
)
problem_messages.register(
    "directive.campaign_link_unknown",
    404,
    title_en="This campaign link is not valid",
    title_hi="यह अभियान लिंक मान्य नहीं है",
    detail_en="Check that the whole link was copied from the message you received, or ask your "
    "circle's group for the campaign's post.",
    detail_hi="जाँच लें कि आपको मिले संदेश से पूरा लिंक कॉपी हुआ है, या अभियान की पोस्ट के लिए अपने "
    "वृत्त समूह से पूछें।",
)


def problem(status: int, code: str, en: str, hi: str) -> ProblemError:
    return ProblemError(status, code, detail_params={"detail_en": en, "detail_hi": hi})


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, code = next(
        (v for k, v in _DOMAIN.items() if isinstance(exc, k)), (422, "directive.invalid_request")
    )
    return problem_response(
        request, status, code, detail_params={"detail_en": exc.detail, "detail_hi": exc.detail_hi}
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
