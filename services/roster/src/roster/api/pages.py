"""The district office's roster pages (Hindi / English) in the one look of every console
(`nazar_ui`): browse the tree and search members; the imports are `pages_imports`.
Server-rendered frames with a little JavaScript (`static/roster.js`, on the frame's `common.js`)
that calls the same /api/v1 the integrators use, with the session the sign-in put in
sessionStorage (the one the consoles read). The phone sign-in page is `sign_in_page`; the dev
sign-in (`/dev/sign-in`, local and test only) is here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from nazar_ui import ConsolePages, language, words

from roster.api import pages_erasures, pages_imports, pages_members, pages_tree
from roster.api.pages_frame import frame
from roster.api.sign_in_page import prefix_of, safe_next
from roster.settings import RosterSettings
from roster.store import members as member_store

HERE = Path(__file__).parent.parent  # the package: templates/ and static/
# The pages' words (Hindi, English); the frame's own, role and unit-kind names come from nazar_ui.
OWN: dict[str, tuple[str, str]] = {
    "app": ("नज़र — रोस्टर", "Nazar — Roster"),
    "member_id": ("सदस्य आईडी", "Member id"),
    "title": ("रोस्टर — ज़िला कार्यालय", "Roster — district office"),
    "tree": ("कमान संरचना", "Command tree"),
    "search": ("सदस्य खोजें", "Search members"),
    "search_button": ("खोजें", "Search"),
    "name": ("नाम", "Name"),
    "role": ("पद", "Role"),
    "unit": ("इकाई", "Unit"),
    "import": ("आयात (CSV)", "Import (CSV)"),
    "kind": ("फ़ाइल का प्रकार", "File kind"),
    "police": ("पुलिस (HR निर्यात)", "Police (HR export)"),
    "volunteers": ("स्वयंसेवक सूची", "Volunteer list"),
    "full_sync": (
        "पूर्ण मिलान (जो फ़ाइल में नहीं, उन्हें आपकी पुष्टि के बाद निष्क्रिय करें)",
        "Full sync (deactivate those not in the file, once you confirm)",
    ),
    "upload": ("अपलोड करें", "Upload"),
    "report": ("आयात रिपोर्ट", "Import report"),
    "status": ("स्थिति", "Status"),
    "row": ("पंक्ति", "Row"),
    "key": ("कार्मिक / स्वयंसेवक संख्या", "Personnel / volunteer no."),
    "reason": ("कारण", "Reason"),
    "accepted": ("स्वीकृत", "Accepted"),
    "rejected": ("अस्वीकृत", "Rejected"),
    "created": ("नए", "New"),
    "changed": ("बदले", "Changed"),
    "deactivated": ("निष्क्रिय", "Deactivated"),
    "events": ("इवेंट", "Events"),
    "running": ("चल रहा है…", "running…"),
    "done": ("पूर्ण", "done"),
    "failed": ("विफल", "failed"),
    "no_results": ("कोई परिणाम नहीं", "No results"),
    "choose_member": ("सदस्य चुनें", "Choose a member"),
    "dev_note": (
        "केवल स्थानीय/परीक्षण परिवेश: किसी भी सदस्य के रूप में साइन इन करें।",
        "Local/test environments only: sign in as any member.",
    ),
    "members_of": ("सदस्य", "Members"),
    "active": ("सक्रिय", "active"),
    "inactive": ("निष्क्रिय", "inactive"),
    "awaiting_confirmation": ("पुष्टि की प्रतीक्षा", "awaiting confirmation"),
    "interrupted": ("बीच में रुका", "interrupted"),
    "expired": ("समय-सीमा समाप्त", "expired"),
    "would_deactivate": ("निष्क्रिय होंगे", "Would deactivate"),
    "applied": ("लागू पंक्तियाँ", "Rows applied"),
    "review": (
        "अभी कुछ लागू नहीं हुआ। पुष्टियाँ: {got} / {needed}",
        "Nothing is applied yet. Confirmations: {got} / {needed}",
    ),
    "second_officer": (
        "इतने सदस्यों के लिए दूसरे अधिकारी की पुष्टि भी आवश्यक है।",
        "For this many, a second officer must confirm too.",
    ),
    "confirm": ("पुष्टि करें: इन्हें निष्क्रिय करें", "Confirm: deactivate them"),
    "interrupted_note": (
        "कुछ पंक्तियाँ लागू होने के बाद आयात रुका; पूरा करने के लिए फ़ाइल फिर अपलोड करें।",
        "The import stopped after applying some rows; upload the file again to complete it.",
    ),
}
PAGES = ConsolePages("roster", lambda lang: words(lang, OWN), may={})


def install(app: FastAPI, settings: RosterSettings) -> None:
    app.mount("/roster/static", StaticFiles(directory=HERE / "static"), name="roster-static")
    pages_tree.install(app, settings, OWN)  # `/roster` (the tree), units, groups
    pages_imports.install(app, settings, OWN)
    pages_erasures.install(app, settings, OWN)
    pages_members.install(app, settings, OWN)  # the member list, a member's page

    def page(lang: str, template: str, name: str, next: str, **data: object) -> HTMLResponse:
        return frame(PAGES, settings, lang, template, name, next, **data)

    @app.get("/dev/sign-in", include_in_schema=False)
    async def dev_sign_in(
        request: Request,
        lang: Annotated[str | None, Query()] = None,
        next: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> HTMLResponse:
        if not settings.dev_sign_in:
            return HTMLResponse("Not found", status_code=404)
        rows = await member_store.officers_to_sign_in(request.app.state.roster.pool)
        lang_ = language(lang)
        target = safe_next(next, f"{prefix_of(request)}/roster?lang={lang_}")
        officers = [
            {
                "member_id": r["member_id"],
                "name": {"hi": r["name_hi"], "en": r["name_latin"]},
                "role": r["role"],
                "unit_id": r["unit_id"],
                "unit_kind": r["unit_kind"],
                "unit_name": {"hi": r["u_hi"], "en": r["u_en"]},
            }
            for r in rows
        ]
        return page(lang_, "dev_sign_in.html", "dev-sign-in", target, officers=officers)
