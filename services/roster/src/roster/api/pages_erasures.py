"""The office's erasure requests (Hindi / English, issue 20 item 6): `/roster/erasures` lists the
requests over the office's units with the form to ask for one (a member's id, the reason; a link
`?member=<id>` fills the id in), and `/roster/erasures/{request_id}` is one request: who asked and
why, who decided, and per read model (directive, social-publisher, story-intake) when it
confirmed the member's erasure. Approve and reject show to those who may erase; the API still
decides (the requester's own request is refused with its reason). Frames only:
`static/erasures.js` reads the API with the caller's token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse
from nazar_platform.auth.access import Action
from nazar_ui import ConsolePages, language, words

from roster.api.pages_frame import frame
from roster.api.sign_in_page import prefix_of
from roster.settings import RosterSettings

WORDS: dict[str, tuple[str, str]] = {
    "title": ("विलोपन अनुरोध — ज़िला कार्यालय", "Erasure requests — district office"),
    "erasures_title": ("सदस्य का डेटा मिटाने के अनुरोध", "Requests to erase a member's data"),
    "erasures_intro": (
        "कार्यालय अनुरोध करता है, ज़िले के एसपी (या रेंज आईजी, पुलिस मुख्यालय) स्वीकृत करते हैं — अनुरोध"
        " करने वाला स्वयं नहीं। स्वीकृति पर सदस्य का नाम, नंबर और तैनाती तुरंत मिटा दी जाती है।",
        "The office asks, the district's SP (or the range IG, or PHQ) approves — never the one who "
        "asked. On approval the member's name, numbers and postings are erased at once.",
    ),
    "request_title": ("नया अनुरोध", "New request"),
    "member_id": ("सदस्य आईडी", "Member id"),
    "reason": ("कारण", "Reason"),
    "reason_hint": (
        "जैसे: सदस्य ने 1 दिसंबर को लिखित में अनुरोध किया",
        "e.g. the member asked in writing on 1 Dec",
    ),
    "ask": ("अनुरोध भेजें", "Send request"),
    "requests": ("अनुरोध", "Requests"),
    "member": ("सदस्य", "Member"),
    "requested_by": ("अनुरोधकर्ता", "Requested by"),
    "requested_at": ("अनुरोध का समय", "Requested at"),
    "decided_by": ("निर्णय लिया", "Decided by"),
    "decided_at": ("निर्णय का समय", "Decided at"),
    "decision_note": ("निर्णय पर टिप्पणी", "Note on the decision"),
    "erased_at": ("मिटाया गया", "Erased at"),
    "erased_member": ("(मिटाया गया सदस्य)", "(erased member)"),
    "approve": ("स्वीकृत करें और मिटाएँ", "Approve and erase"),
    "reject": ("अस्वीकार करें", "Reject"),
    "confirmations_title": ("सेवाओं की पुष्टि", "Confirmations of the services"),
    "confirmations_intro": (
        "हर सेवा जिसके पास सदस्य की प्रति थी, उसे मिटाकर पुष्टि भेजती है।",
        "Each service that kept a copy of the member confirms once it has deleted it.",
    ),
    "read_model": ("सेवा", "Service"),
    "confirmed_at": ("पुष्टि का समय", "Confirmed at"),
    "waiting": ("प्रतीक्षा में", "waiting"),
    "not_erased": ("मिटाया नहीं गया", "not erased"),
    "all_confirmed": ("सभी सेवाओं ने मिटाने की पुष्टि की", "Every service confirmed the erasure"),
    "no_requests": ("कोई अनुरोध नहीं", "No requests"),
    "back": ("सभी अनुरोध", "All requests"),
    "status": ("स्थिति", "Status"),
    "more": ("और", "More"),
}
ENUMS: dict[str, dict[str, tuple[str, str]]] = {
    "statuses": {
        "requested": ("स्वीकृति की प्रतीक्षा", "Awaiting approval"),
        "approved": ("स्वीकृत — मिटाया गया", "Approved — erased"),
        "rejected": ("अस्वीकृत", "Rejected"),
    },
    "read_models": {
        "directive": ("निर्देश सेवा (संदेश और पहुँच)", "Directives (messages and reach)"),
        "social-publisher": (
            "प्रकाशक (व्हाट्सऐप / एसएमएस संपर्क)",
            "Publisher (WhatsApp / SMS contacts)",
        ),
        "story-intake": ("कहानियाँ और अलर्ट", "Stories and alerts"),
    },
}
RequestId = Annotated[str, Path(min_length=5, max_length=64, pattern=r"^era-[A-Za-z0-9-]+$")]


def install(app: FastAPI, settings: RosterSettings, own: Mapping[str, tuple[str, str]]) -> None:
    """The two pages; `own`: the roster pages' words, which these pages share."""
    pages = ConsolePages(
        "roster",
        lambda lang: words(lang, {**own, **WORDS}, ENUMS),
        may={"erase": Action.ROSTER_ERASE},
    )

    @app.get("/roster/erasures", include_in_schema=False)
    async def erasures_page(
        request: Request,
        lang: Annotated[str | None, Query()] = None,
        member: Annotated[str | None, Query(max_length=100)] = None,
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}/roster/erasures?lang={lang_}"
        return frame(pages, settings, lang_, "erasures.html", "erasures", here, member=member)

    @app.get("/roster/erasures/{request_id}", include_in_schema=False)
    async def erasure_page(
        request: Request, request_id: RequestId, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}/roster/erasures/{request_id}?lang={lang_}"
        return frame(
            pages, settings, lang_, "erasures.html", "erasure", here, request_id=request_id
        )
