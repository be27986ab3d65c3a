"""The members' pages (issue 20, item 3): `/roster/members` (the list with its filters: unit
subtree, role, active, consent, channel, a name in Hindi or Latin) and a member's page (postings
with their history, consent with its proof, masked channels, opt-outs, the audit trail, and the
office's changes: transfer, deactivate / reactivate, consent, names and channels). Frames only:
`static/members.js` reads and writes through /api/v1 with the caller's session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from nazar_contracts.vocabulary import Role
from nazar_ui import ConsolePages, language, words

from roster.api.pages_frame import frame
from roster.api.sign_in_page import prefix_of
from roster.settings import RosterSettings

Lang = Annotated[str | None, Query()]

WORDS: dict[str, tuple[str, str]] = {
    "members": ("सदस्य", "Members"),
    "filters": ("छाँटें", "Filters"),
    "name_either": ("नाम (हिंदी या अंग्रेज़ी)", "Name (Hindi or Latin)"),
    "unit_subtree": ("इकाई (नीचे की इकाइयों सहित)", "Unit (and the units below it)"),
    "any": ("सभी", "Any"),
    "state": ("स्थिति", "State"),
    "active_only": ("सक्रिय", "Active"),
    "inactive_only": ("निष्क्रिय", "Inactive"),
    "consent": ("सहमति", "Consent"),
    "channel": ("चैनल", "Channel"),
    "no_channel": ("कोई चैनल नहीं", "No channel"),
    "show": ("दिखाएँ", "Show"),
    "postings": ("तैनाती", "Postings"),
    "history": ("पिछली तैनाती", "Earlier postings"),
    "since": ("से", "Since"),
    "until": ("तक", "Until"),
    "ended_by": ("किसने बदला", "Changed by"),
    "primary": ("मुख्य", "primary"),
    "method": ("तरीका", "How"),
    "given_on": ("सहमति की तारीख", "Given on"),
    "recorded_by": ("किसने दर्ज की", "Recorded by"),
    "recorded_at": ("कब दर्ज हुई", "Recorded at"),
    "withdrawn_at": ("कब वापस ली", "Withdrawn at"),
    "channels": ("चैनल (नंबर के अंतिम अंक)", "Channels (last digits of the number)"),
    "opt_outs": ("संदेशों से इनकार (STOP)", "Opt-outs (STOP replies)"),
    "audit": ("ऑडिट (किसने क्या बदला)", "Audit trail (who changed what)"),
    "when": ("कब", "When"),
    "who": ("किसने", "Who"),
    "automatic": ("स्वचालित (उत्तर से)", "automatic (by a reply)"),
    "what": ("क्या", "What"),
    "outcome": ("परिणाम", "Outcome"),
    "changes": ("बदलाव", "Changes"),
    "transfer": ("स्थानांतरण", "Transfer"),
    "to_unit": ("नई इकाई", "New unit"),
    "from_date": ("तारीख से", "From"),
    "transfer_button": ("स्थानांतरित करें", "Transfer"),
    "deactivate": ("निष्क्रिय करें", "Deactivate"),
    "reactivate": ("फिर सक्रिय करें", "Reactivate"),
    "record_consent": ("सहमति दर्ज करें", "Record consent"),
    "grant": ("सहमति दी", "Consent given"),
    "withdraw": ("सहमति वापस ली", "Consent withdrawn"),
    "save": ("सहेजें", "Save"),
    "names": ("नाम सुधारें", "Correct the names"),
    "name_hi": ("नाम (हिंदी)", "Name (Hindi)"),
    "name_latin": ("नाम (अंग्रेज़ी)", "Name (Latin)"),
    "correct_channels": ("नंबर सुधारें", "Correct the numbers"),
    "whatsapp": ("व्हाट्सऐप", "WhatsApp"),
    "sms": ("एसएमएस", "SMS"),
    "keep_blank": ("खाली छोड़ें: नंबर नहीं बदलेगा", "Leave blank to keep the number"),
    "erasure": ("मिटाने का अनुरोध", "Erasure request"),
    "saved": ("सहेजा गया", "Saved"),
    "open_member": ("सदस्य का पृष्ठ", "Member's page"),
    "personnel_no": ("कार्मिक संख्या", "Personnel no."),
    "volunteer_id": ("स्वयंसेवक संख्या", "Volunteer id"),
}
ENUMS: dict[str, Mapping[str, tuple[str, str]]] = {
    "consent_states": {
        "granted": ("दी गई", "granted"),
        "pending": ("लंबित", "pending"),
        "withdrawn": ("वापस ली गई", "withdrawn"),
        "not_required": ("आवश्यक नहीं", "not required"),
    },
    "methods": {
        "form": ("हस्ताक्षरित फ़ॉर्म", "signed form"),
        "app": ("ऐप", "app"),
        "whatsapp": ("व्हाट्सऐप", "WhatsApp"),
        "sms": ("एसएमएस", "SMS"),
        "api": ("कार्यालय द्वारा", "by the office"),
        "import": ("आयात", "import"),
    },
    "channel_names": {"whatsapp": ("व्हाट्सऐप", "WhatsApp"), "sms": ("एसएमएस", "SMS")},
    "change_names": {
        "transfer": ("स्थानांतरण", "transfer"),
        "deactivate": ("निष्क्रिय किया", "deactivated"),
        "reactivate": ("फिर सक्रिय किया", "reactivated"),
        "consent": ("सहमति", "consent"),
        "record": ("विवरण बदला", "record changed"),
        "erasure": ("मिटाया गया", "erased"),
    },
    "outcomes": {
        "allowed": ("हुआ", "done"),
        "failed": ("नहीं हुआ", "failed"),
        "refused": ("अस्वीकार", "refused"),
    },
}


def install(app: FastAPI, settings: RosterSettings, own: Mapping[str, tuple[str, str]]) -> None:
    """`own`: the roster pages' shared words."""
    pages = ConsolePages("roster", lambda lang: words(lang, {**own, **WORDS}, ENUMS), may={})
    roles = [r.value for r in Role]

    def page(
        request: Request, lang: str | None, template: str, name: str, **data: object
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}{request.url.path}?lang={lang_}"
        return frame(pages, settings, lang_, template, name, here, roles=roles, **data)

    @app.get("/roster/members", include_in_schema=False)
    async def members_page(request: Request, lang: Lang = None) -> HTMLResponse:
        return page(request, lang, "members.html", "members")

    @app.get("/roster/members/{member_id}", include_in_schema=False)
    async def member_page(member_id: str, request: Request, lang: Lang = None) -> HTMLResponse:
        return page(request, lang, "member.html", "member", member_id=member_id)
