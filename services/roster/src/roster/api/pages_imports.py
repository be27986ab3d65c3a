"""The office's imports (Hindi / English): `/roster/imports` lists the imports over the office's
units (who by name, when, the file's kind, counts, status) with the upload form, and
`/roster/imports/{import_id}` is one import's report: its rejected rows with their reasons, the
download of those rows as the CSV to fix and upload again, and a full sync's review with who would
be deactivated and the confirmations it needs (a second officer's when it deactivates many).
Frames only: `static/imports.js` reads the API with the caller's token, which decides what they
see (`GET /imports`, `/imports/{id}`, `/imports/{id}/rejected.csv`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse
from nazar_ui import ConsolePages, language, words

from roster.api.pages_frame import frame
from roster.api.sign_in_page import prefix_of
from roster.settings import RosterSettings

# The roster pages' words these pages share (`pages.OWN`: they are its import section's), then
# their own. Not imported from there: `pages` installs these pages.
WORDS: dict[str, tuple[str, str]] = {
    "app": ("नज़र — रोस्टर", "Nazar — Roster"),
    "title": ("आयात — ज़िला कार्यालय", "Imports — district office"),
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
    "imports_title": ("आयात", "Imports"),
    "history": ("आयात का इतिहास", "Import history"),
    "upload_title": ("नई फ़ाइल अपलोड करें", "Upload a file"),
    "file": ("CSV फ़ाइल", "CSV file"),
    "received": ("कब", "When"),
    "uploaded_by": ("किसने", "By"),
    "filename": ("फ़ाइल", "File"),
    "units_list": ("इकाइयों की सूची", "Units list"),
    "open_report": ("रिपोर्ट देखें", "Open report"),
    "back": ("सभी आयात", "All imports"),
    "rejected_rows": ("अस्वीकृत पंक्तियाँ", "Rejected rows"),
    "download_rejected": (
        "अस्वीकृत पंक्तियाँ CSV में डाउनलोड करें",
        "Download the rejected rows (CSV)",
    ),
    "download_note": (
        "फ़ाइल में वही कॉलम और मान हैं जो आपने अपलोड किए, साथ में कारण। पंक्तियाँ सुधारकर यही फ़ाइल"
        " फिर अपलोड करें; कारण का कॉलम अनदेखा किया जाता है।",
        "The file has the columns and values you uploaded, with the reason. Fix the rows and "
        "upload the same file again; the reason column is ignored.",
    ),
    "not_kept": (
        "अस्वीकृत पंक्तियाँ अब रखी नहीं हैं (फ़ोन नंबरों के कारण कुछ दिनों बाद हटा दी जाती हैं)।",
        "The rejected rows are no longer kept (they hold phone numbers and go after a few days).",
    ),
    "sync_review": ("पूर्ण मिलान की समीक्षा", "Full sync review"),
    "confirmed_by": ("पुष्टि की", "Confirmed by"),
    "nobody_yet": ("अभी किसी ने नहीं", "nobody yet"),
    "confirm_before": ("पुष्टि की अंतिम समय-सीमा", "Confirm before"),
    "deactivate_list": ("जो निष्क्रिय होंगे", "Who would be deactivated"),
    "total_rows": ("कुल पंक्तियाँ", "Rows in the file"),
    "no_imports": ("अभी कोई आयात नहीं", "No imports yet"),
    "no_rejected": ("कोई पंक्ति अस्वीकृत नहीं हुई", "No row was rejected"),
    "error": ("त्रुटि", "Error"),
}
IMPORT_PAGES = ConsolePages("roster", lambda lang: words(lang, WORDS), may={})
ImportId = Annotated[str, Path(min_length=5, max_length=64, pattern=r"^imp-[A-Za-z0-9-]+$")]


def install(app: FastAPI, settings: RosterSettings) -> None:
    @app.get("/roster/imports", include_in_schema=False)
    async def imports_page(
        request: Request, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}/roster/imports?lang={lang_}"
        return frame(IMPORT_PAGES, settings, lang_, "imports.html", "imports", here)

    @app.get("/roster/imports/{import_id}", include_in_schema=False)
    async def import_page(
        request: Request, import_id: ImportId, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}/roster/imports/{import_id}?lang={lang_}"
        return frame(
            IMPORT_PAGES, settings, lang_, "import.html", "import", here, import_id=import_id
        )
