"""The district office's roster pages (Hindi / English): browse the tree, search members, upload
an import and read its report. Server-rendered HTML with a little JavaScript that calls the
same /api/v1 the integrators use, with the session the sign-in put in sessionStorage (the one the
consoles read). The phone sign-in page is `sign_in_page`; the dev sign-in (`/dev/sign-in`, local
and test only) is here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from nazar_contracts.vocabulary import ROLE_NAMES

from roster.api.sign_in_page import prefix_of, safe_next
from roster.domain.reasons import REASONS
from roster.settings import RosterSettings
from roster.store import members as member_store

HERE = Path(__file__).parent.parent  # the package: templates/ and static/
LABELS: dict[str, dict[str, str]] = {
    "hi": {
        "title": "रोस्टर — ज़िला कार्यालय", "tree": "कमान संरचना", "search": "सदस्य खोजें",
        "search_button": "खोजें", "name": "नाम", "role": "पद", "unit": "इकाई",
        "import": "आयात (CSV)", "kind": "फ़ाइल का प्रकार", "police": "पुलिस (HR निर्यात)",
        "volunteers": "स्वयंसेवक सूची",
        "full_sync": "पूर्ण मिलान (जो फ़ाइल में नहीं, उन्हें आपकी पुष्टि के बाद निष्क्रिय करें)",
        "upload": "अपलोड करें", "report": "आयात रिपोर्ट", "status": "स्थिति", "row": "पंक्ति",
        "key": "कार्मिक / स्वयंसेवक संख्या", "reason": "कारण", "accepted": "स्वीकृत",
        "rejected": "अस्वीकृत", "created": "नए", "changed": "बदले", "deactivated": "निष्क्रिय",
        "events": "इवेंट", "running": "चल रहा है…", "done": "पूर्ण", "failed": "विफल",
        "sign_in": "साइन इन", "sign_out": "साइन आउट", "signed_in_as": "साइन इन:",
        "no_results": "कोई परिणाम नहीं", "more": "और दिखाएँ", "choose_member": "सदस्य चुनें",
        "dev_note": "केवल स्थानीय/परीक्षण परिवेश: किसी भी सदस्य के रूप में साइन इन करें।",
        "members_of": "सदस्य", "active": "सक्रिय", "inactive": "निष्क्रिय",
        "awaiting_confirmation": "पुष्टि की प्रतीक्षा", "interrupted": "बीच में रुका",
        "expired": "समय-सीमा समाप्त", "would_deactivate": "निष्क्रिय होंगे",
        "applied": "लागू पंक्तियाँ",
        "review": "अभी कुछ लागू नहीं हुआ। पुष्टियाँ: {got} / {needed}",
        "second_officer": "इतने सदस्यों के लिए दूसरे अधिकारी की पुष्टि भी आवश्यक है।",
        "confirm": "पुष्टि करें: इन्हें निष्क्रिय करें",
        "interrupted_note": "कुछ पंक्तियाँ लागू होने के बाद आयात रुका; पूरा करने के लिए फ़ाइल फिर अपलोड करें।",
    },
    "en": {
        "title": "Roster — district office", "tree": "Command tree", "search": "Search members",
        "search_button": "Search", "name": "Name", "role": "Role", "unit": "Unit",
        "import": "Import (CSV)", "kind": "File kind", "police": "Police (HR export)",
        "volunteers": "Volunteer list",
        "full_sync": "Full sync (deactivate those not in the file, once you confirm)",
        "upload": "Upload", "report": "Import report", "status": "Status", "row": "Row",
        "key": "Personnel / volunteer no.", "reason": "Reason", "accepted": "Accepted",
        "rejected": "Rejected", "created": "New", "changed": "Changed",
        "deactivated": "Deactivated", "events": "Events", "running": "running…", "done": "done",
        "failed": "failed", "sign_in": "Sign in", "sign_out": "Sign out",
        "signed_in_as": "Signed in:", "no_results": "No results", "more": "Show more",
        "choose_member": "Choose a member",
        "dev_note": "Local/test environments only: sign in as any member.",
        "members_of": "Members", "active": "active", "inactive": "inactive",
        "awaiting_confirmation": "awaiting confirmation", "interrupted": "interrupted",
        "expired": "expired", "would_deactivate": "Would deactivate",
        "applied": "Rows applied",
        "review": "Nothing is applied yet. Confirmations: {got} / {needed}",
        "second_officer": "For this many, a second officer must confirm too.",
        "confirm": "Confirm: deactivate them",
        "interrupted_note": "The import stopped after applying some rows; upload the file again "
        "to complete it.",
    },
}  # fmt: skip


def _lang(lang: str | None) -> str:
    return lang if lang in LABELS else "hi"


def install(app: FastAPI, settings: RosterSettings) -> None:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
    )
    # `{{ data | tojson }}` escapes <, >, & and ' in any case; Hindi stays readable.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    app.mount("/roster/static", StaticFiles(directory=HERE / "static"), name="roster-static")

    def page(
        request: Request, template: str, lang: str, *, next: str = "", **context: object
    ) -> HTMLResponse:
        labels = LABELS[lang]
        roles = {r.value: names[0 if lang == "hi" else 1] for r, names in ROLE_NAMES.items()}
        reasons = {code: texts[0 if lang == "hi" else 1] for code, texts in REASONS.items()}
        base = prefix_of(request)
        data = {
            "lang": lang, "labels": labels, "roles": roles, "reasons": reasons, "prefix": base,
            "next": next or f"{base}/roster?lang={lang}",
        }  # fmt: skip
        html = env.get_template(template).render(
            lang=lang, t=labels, data=data, prefix=base, **context
        )
        return HTMLResponse(html)

    @app.get("/roster", include_in_schema=False)
    async def roster_page(
        request: Request, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        return page(request, "roster.html", _lang(lang))

    @app.get("/dev/sign-in", include_in_schema=False)
    async def dev_sign_in(
        request: Request,
        lang: Annotated[str | None, Query()] = None,
        next: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> HTMLResponse:
        if not settings.dev_sign_in:
            return HTMLResponse("Not found", status_code=404)
        rows = await member_store.officers_to_sign_in(request.app.state.roster.pool)
        lang_ = _lang(lang)
        target = safe_next(next, f"{prefix_of(request)}/roster?lang={lang_}")
        return page(request, "sign_in.html", lang_, next=target, officers=rows)
