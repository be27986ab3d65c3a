"""The tree's pages (issue 20, items 2 and 5): `/roster` (home: the signed-in officer's units as
a tree with counts), a unit's page (counts, the units below, its members, its groups), the groups
list and a group's page (admins, members, who joined or left). Frames only: `static/tree.js`
reads the API with the caller's session, so what a page shows is what the API allows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from nazar_ui import ConsolePages, language, words

from roster.api.pages_frame import frame
from roster.api.sign_in_page import prefix_of
from roster.settings import RosterSettings

Lang = Annotated[str | None, Query()]

WORDS: dict[str, tuple[str, str]] = {
    "tree": ("कमान संरचना", "Command tree"),
    "tree_note": (
        "आपकी इकाइयाँ: खोलने के लिए ▸ दबाएँ, इकाई का पृष्ठ उसके नाम पर।",
        "Your units: ▸ opens a unit, its name leads to its page.",
    ),
    "open": ("खोलें", "Open"),
    "total": ("कुल सदस्य", "Members in all"),
    "police": ("पुलिस (पद अनुसार)", "Police by rank"),
    "volunteers_by_kind": ("स्वयंसेवक (प्रकार व सहमति अनुसार)", "Volunteers by kind and consent"),
    "unreachable": ("बिना पहुँच योग्य चैनल", "No reachable channel"),
    "counts": ("गिनती", "Counts"),
    "count": ("संख्या", "Number"),
    "below": ("नीचे की इकाइयाँ", "Units below"),
    "members_here": ("इस इकाई पर तैनात सदस्य", "Members posted here"),
    "groups": ("समूह", "Groups"),
    "group": ("समूह", "Group"),
    "admins": ("एडमिन", "Admins"),
    "group_members": ("समूह के सदस्य", "Group members"),
    "changes": ("हाल के बदलाव", "Recent changes"),
    "when": ("कब", "When"),
    "change": ("बदलाव", "Change"),
    "admin": ("एडमिन", "admin"),
    "consent": ("सहमति", "Consent"),
    "channel": ("चैनल", "Channel"),
    "reachable": ("पहुँच योग्य", "reachable"),
    "no_channel": ("कोई चैनल नहीं", "no channel"),
    "inactive": ("निष्क्रिय", "inactive"),
    "officers_only": (
        "आप इस समूह के सदस्य हैं: आपको इसके अधिकारी दिखते हैं, अन्य सदस्य नहीं।",
        "You are a member of this group: you see its officers, not its other members.",
    ),
    "member_count": ("सदस्य", "Members"),
}
ENUMS: dict[str, Mapping[str, tuple[str, str]]] = {
    "consent_states": {
        "granted": ("दी गई", "granted"),
        "pending": ("लंबित", "pending"),
        "withdrawn": ("वापस ली गई", "withdrawn"),
        "not_required": ("आवश्यक नहीं", "not required"),
    },
    "change_kinds": {
        "joined": ("जुड़े", "joined"),
        "left": ("हटे", "left"),
        "changed": ("पद/इकाई बदली", "role or unit changed"),
    },
}


def install(app: FastAPI, settings: RosterSettings, own: Mapping[str, tuple[str, str]]) -> None:
    """`own`: the roster pages' shared words (the frame's title, the home page's other
    sections)."""
    pages = ConsolePages("roster", lambda lang: words(lang, {**own, **WORDS}, ENUMS), may={})

    def page(
        request: Request, lang: str | None, template: str, name: str, **data: object
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}{request.url.path}?lang={lang_}"
        return frame(pages, settings, lang_, template, name, here, **data)

    @app.get("/roster", include_in_schema=False)
    async def home(request: Request, lang: Lang = None) -> HTMLResponse:
        return page(request, lang, "roster.html", "roster")

    @app.get("/roster/units/{unit_id}", include_in_schema=False)
    async def unit_page(unit_id: str, request: Request, lang: Lang = None) -> HTMLResponse:
        return page(request, lang, "tree_unit.html", "tree-unit", unit_id=unit_id)

    @app.get("/roster/groups", include_in_schema=False)
    async def groups_page(request: Request, lang: Lang = None) -> HTMLResponse:
        return page(request, lang, "tree_groups.html", "tree-groups")

    @app.get("/roster/groups/{group_id}", include_in_schema=False)
    async def group_page(group_id: str, request: Request, lang: Lang = None) -> HTMLResponse:
        return page(request, lang, "tree_group.html", "tree-group", group_id=group_id)
