"""Renders a service's console pages in the one frame (`templates/console/base.html`) and serves
the shared files (`static/`) at `/console/common/`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from nazar_platform.auth.access import ACCESS, POSTED_ACCESS, Action
from nazar_platform.auth.tokens import AuthSettings
from nazar_platform.http.dev_signin import SENIORITY, dev_signin_enabled
from nazar_platform.http.forwarded import prefix
from pydantic_settings import BaseSettings, SettingsConfigDict

from nazar_ui.words import LANGUAGES, language

HERE = Path(__file__).parent
COMMON_STATIC = "/console/common"
# The roles the sign-in list shows by default: officers, most senior first.
OFFICERS = list(SENIORITY[: SENIORITY.index("sho") + 1])


class ConsoleSettings(BaseSettings):
    """Where a console sends its members to sign in, and where it refreshes their session.

    Both default to the roster under the one origin (nginx serves the roster at `/roster/`); a
    console opened on its own port, without the proxy, cannot refresh (another origin holds the
    cookie) and sends the member to sign in again."""

    model_config = SettingsConfigDict(env_prefix="NAZAR_CONSOLE_", extra="ignore", frozen=True)

    sign_in_url: str = "/roster/sign-in"
    auth_url: str = "/roster/api/v1/auth"


def roles_that(action: Action) -> list[str]:
    """Roles that may take `action` anywhere they are posted, and `role:unit` for the postings
    that alone may (ADG Crime: `adg:BR-CRIME`); the pages match a grant against either."""
    roles = [str(role) for role, actions in ACCESS.items() if action in actions]
    posted = [
        f"{role}:{unit}" for (role, unit), actions in POSTED_ACCESS.items() if action in actions
    ]
    return sorted(roles) + sorted(posted)


class ConsolePages:
    """Renders a service's console pages in the shared frame (see `nazar_ui`'s docstring).

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
