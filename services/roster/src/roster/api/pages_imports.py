"""The office's imports (Hindi / English): `/roster/imports` lists the imports over the office's
units (who by name, when, the file's kind, counts, status) with the upload form, and
`/roster/imports/{import_id}` is one import's report: its rejected rows with their reasons, the
download of those rows as the CSV to fix and upload again, and a full sync's review with who would
be deactivated and the confirmations it needs (a second officer's when it deactivates many).
Frames only: `static/imports.js` reads the API with the caller's token, which decides what they
see (`GET /imports`, `/imports/{id}`, `/imports/{id}/rejected.csv`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse
from nazar_ui import ConsolePages, language, words

from roster.api.pages_frame import frame
from roster.api.sign_in_page import prefix_of
from roster.settings import RosterSettings

# Their own words; the roster pages' (`pages.OWN`: kinds, statuses, counts) come with `install`.
WORDS: dict[str, tuple[str, str]] = {
    "title": ("आयात — ज़िला कार्यालय", "Imports — district office"),
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
# A rejected row's reason names its column by name (the downloaded CSV keeps the file's headers).
COLUMNS: dict[str, tuple[str, str]] = {
    "personnel_no": ("कार्मिक संख्या", "Personnel no."),
    "volunteer_id": ("स्वयंसेवक संख्या", "Volunteer no."),
    "name_hi": ("नाम (हिंदी)", "Name (Hindi)"),
    "name_latin": ("नाम (अंग्रेज़ी)", "Name (Latin)"),
    "name_en": ("नाम (अंग्रेज़ी)", "Name (English)"),
    "rank": ("पद", "Rank"),
    "role": ("भूमिका", "Role"),
    "unit": ("इकाई", "Unit"),
    "unit_code": ("इकाई कोड", "Unit code"),
    "kind": ("इकाई का प्रकार", "Unit kind"),
    "parent": ("ऊपर की इकाई", "Parent unit"),
    "police_station": ("थाना", "Police station"),
    "posted_since": ("तैनाती की तिथि", "Posted since"),
    "additional_charge": ("अतिरिक्त प्रभार", "Additional charge"),
    "whatsapp": ("व्हाट्सऐप", "WhatsApp"),
    "sms": ("एसएमएस", "SMS"),
    "language": ("भाषा", "Language"),
    "active": ("सक्रिय", "Active"),
    "synthetic": ("कृत्रिम", "Synthetic"),
    "consent": ("सहमति", "Consent"),
    "consent_date": ("सहमति की तिथि", "Consent date"),
    "consent_method": ("सहमति का तरीका", "Consent method"),
    "consent_purpose": ("सहमति का उद्देश्य", "Consent purpose"),
}
ImportId = Annotated[str, Path(min_length=5, max_length=64, pattern=r"^imp-[A-Za-z0-9-]+$")]


def install(app: FastAPI, settings: RosterSettings, own: Mapping[str, tuple[str, str]]) -> None:
    """The two pages; `own`: the roster pages' words, which these pages share."""
    pages = ConsolePages(
        "roster", lambda lang: words(lang, {**own, **WORDS}, {"columns": COLUMNS}), may={}
    )

    @app.get("/roster/imports", include_in_schema=False)
    async def imports_page(
        request: Request, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}/roster/imports?lang={lang_}"
        return frame(pages, settings, lang_, "imports.html", "imports", here)

    @app.get("/roster/imports/{import_id}", include_in_schema=False)
    async def import_page(
        request: Request, import_id: ImportId, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        lang_ = language(lang)
        here = f"{prefix_of(request)}/roster/imports/{import_id}?lang={lang_}"
        return frame(pages, settings, lang_, "import.html", "import", here, import_id=import_id)
