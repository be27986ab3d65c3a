"""The consoles' shared frame: one look, one session and one sign-in for every service's console.

A service's console (the directive's, story-intake's moderation console) is server-rendered
pages in Hindi and English whose little vanilla JavaScript calls the service's own `/api/v1`
with the bearer token kept in the tab's sessionStorage. What every console shares lives here,
once: the page frame (`templates/console/base.html`: header, language switch, who is signed in,
the problem box, the page data as JSON), the dev sign-in page, the style sheet and the scripts
(`static/`: `common.js` — session, API calls that send the page's language and show problem
documents, DOM helpers; `sign_in.js`), and the words of the frame (`COMMON_WORDS`).

    pages = ConsolePages("story_intake", labels, may={"approve": Action.STORY_APPROVE})
    pages.install(app)  # /console/common/* (the shared files)
    return pages.render("queue.html", lang, "queue", level="circle")

The service's own templates extend `console/base.html`; its own files are mounted by the service
(`/console/static/*`). The dev sign-in page exists only where the dev sign-in does (local, test);
the real sign-in is the roster's phone sign-in page (`ConsoleSettings.sign_in_url`), and the
session it writes is refreshed through the roster's `/auth/token` (`ConsoleSettings.auth_url`)
with the refresh cookie, which only works where the consoles and the roster share one origin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from nazar_contracts.vocabulary import ROLE_NAMES
from pydantic_settings import BaseSettings, SettingsConfigDict

from nazar_platform.auth.access import ACCESS, POSTED_ACCESS, Action
from nazar_platform.auth.tokens import AuthSettings
from nazar_platform.http.dev_signin import SENIORITY, dev_signin_enabled
from nazar_platform.http.forwarded import prefix

HERE = Path(__file__).parent
COMMON_STATIC = "/console/common"
LANGUAGES = (("hi", "हिंदी"), ("en", "English"))
# The roles the sign-in list shows by default: officers, most senior first.
OFFICERS = list(SENIORITY[: SENIORITY.index("sho") + 1])

# The frame's words (header, sign-in, problems); a service's labels add its own.
COMMON_WORDS: dict[str, tuple[str, str]] = {
    "sign_in": ("साइन इन", "Sign in"),
    "dev_sign_in": ("डेवलपर साइन इन", "Dev sign-in"),
    "sign_out": ("साइन आउट", "Sign out"),
    "signed_in_as": ("साइन इन:", "Signed in:"),
    "dev_note": (
        "केवल स्थानीय/परीक्षण परिवेश: रोस्टर से कोई भी सदस्य चुनकर उसकी तैनाती के अधिकारों से साइन इन करें।",
        "Local and test environments only: pick any member of the roster and sign in with the "
        "grants of their postings.",
    ),
    "filter": ("छाँटें", "Filter"),
    "role": ("पद", "Role"),
    "all_officers": ("सभी अधिकारी", "All officers"),
    "everyone": ("सभी सदस्य", "Everyone"),
    "unit_id": ("इकाई कोड", "Unit code"),
    "name": ("नाम", "Name"),
    "more": ("और दिखाएँ", "Show more"),
    "none": ("कुछ नहीं मिला", "Nothing found"),
    "loading": ("लोड हो रहा है…", "Loading…"),
    "problem": ("समस्या", "Problem"),
    "network_error": ("सर्वर से संपर्क नहीं हो सका।", "Could not reach the server."),
    "yes": ("हाँ", "yes"),
    "no": ("नहीं", "no"),
}


class ConsoleSettings(BaseSettings):
    """Where a console sends its members to sign in, and where it refreshes their session.

    Both default to the roster under the one origin (nginx serves the roster at `/roster/`); a
    console opened on its own port, without the proxy, cannot refresh (another origin holds the
    cookie) and sends the member to sign in again."""

    model_config = SettingsConfigDict(env_prefix="NAZAR_CONSOLE_", extra="ignore", frozen=True)

    sign_in_url: str = "/roster/sign-in"
    auth_url: str = "/roster/api/v1/auth"


def language(lang: str | None) -> str:
    """The page's language: Hindi unless English is asked for."""
    return lang if lang in ("hi", "en") else "hi"


def words(
    lang: str,
    own: Mapping[str, tuple[str, str]],
    enums: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
) -> dict[str, object]:
    """The frame's words and the service's `own` pairs (Hindi, English), plus role names and the
    service's named values (`enums`: group → value → pair), each in `lang`."""
    i = 0 if lang == "hi" else 1
    out: dict[str, object] = {k: pair[i] for k, pair in {**COMMON_WORDS, **own}.items()}
    out["roles"] = {str(role): pair[i] for role, pair in ROLE_NAMES.items()}
    for group, names in (enums or {}).items():
        out[group] = {key: pair[i] for key, pair in names.items()}
    return out


def roles_that(action: Action) -> list[str]:
    """Roles that may take `action` anywhere they are posted, and `role:unit` for the postings
    that alone may (ADG Crime: `adg:BR-CRIME`); the pages match a grant against either."""
    roles = [str(role) for role, actions in ACCESS.items() if action in actions]
    posted = [
        f"{role}:{unit}" for (role, unit), actions in POSTED_ACCESS.items() if action in actions
    ]
    return sorted(roles) + sorted(posted)


class ConsolePages:
    """Renders a service's console pages in the shared frame (see the module docstring).

    `labels(lang)` gives every word the pages show (start from `words`); `may` names, per key
    the scripts use, the action whose roles may act: the pages offer what the API would allow
    (the API still decides; a refusal is shown as its problem document)."""

    def __init__(
        self,
        package: str,
        labels: Callable[[str], dict[str, object]],
        *,
        may: Mapping[str, Action],
        templates: str = "templates",
    ) -> None:
        self._labels = labels
        self._may = {key: roles_that(action) for key, action in may.items()}
        self._env = Environment(
            loader=ChoiceLoader(
                [PackageLoader(package, templates), FileSystemLoader(HERE / "templates")]
            ),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # `{{ data | tojson }}` escapes <, >, & and ' in any case; Hindi stays readable.
        self._env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}

    def render(self, template: str, lang: str | None, page: str, **data: object) -> HTMLResponse:
        lang_ = language(lang)
        t = self._labels(lang_)
        # Where the service is behind the one origin ("" on its own port): every URL starts so.
        base = prefix()
        console = ConsoleSettings()
        document = {
            "prefix": base,
            "lang": lang_,
            "page": page,
            "t": t,
            "may": self._may,
            "officers": OFFICERS,
            "dev_sign_in": dev_signin_enabled(AuthSettings()),
            "sign_in_url": console.sign_in_url,
            "auth_url": console.auth_url,
            **data,
        }
        html = self._env.get_template(f"console/{template}").render(
            lang=lang_, t=t, page=page, languages=LANGUAGES, data=document, prefix=base
        )
        # The pages hold no data until the script fetches it with the caller's token.
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    def sign_in(self, lang: str | None) -> HTMLResponse:
        """The dev sign-in page (a 404 outside local and test)."""
        if not dev_signin_enabled(AuthSettings()):
            return HTMLResponse("Not found", status_code=404)
        return self.render("sign_in.html", lang, "sign-in")

    @staticmethod
    def install(app: FastAPI) -> None:
        """Serves the shared style sheet and scripts."""
        app.mount(COMMON_STATIC, StaticFiles(directory=HERE / "static"), name="console-common")
