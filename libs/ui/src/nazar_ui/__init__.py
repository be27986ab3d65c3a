"""One look for every console: one frame, one session and one sign-in for every service's pages.

A service's console (the directive's, story-intake's moderation console, the roster's office
pages and its phone sign-in) is server-rendered
pages in Hindi and English whose little vanilla JavaScript calls the service's own `/api/v1`
with the bearer token kept in the tab's sessionStorage. What every console shares lives here,
once: the page frame (`templates/console/base.html`: header, language switch, who is signed in,
the problem box, the page data as JSON), the dev sign-in page, the style sheet and the scripts
(`static/`: `common.js` — the session, the header with the member's name, roles and units by
name in the page's language, API calls that send the page's language and show problem documents,
tables and DOM helpers; `sign_in.js`), and the words and names of the frame (`words.py`).

    pages = ConsolePages("story_intake", labels, may={"approve": Action.STORY_APPROVE})
    pages.install(app)  # /console/common/* (the shared files)
    return pages.render("queue.html", lang, "queue", level="circle")

The service's own templates extend `console/base.html`; its own files are mounted by the service
(`/console/static/*`). The dev sign-in page exists only where the dev sign-in does (local, test);
the real sign-in is the roster's phone sign-in page (`ConsoleSettings.sign_in_url`), and the
session it writes is refreshed through the roster's `/auth/token` (`ConsoleSettings.auth_url`)
with the refresh cookie, which only works where the consoles and the roster share one origin.
"""

from nazar_ui.pages import COMMON_STATIC, ConsolePages, ConsoleSettings, roles_that
from nazar_ui.words import (
    COMMON_WORDS,
    LANGUAGES,
    language,
    pick,
    role_names,
    unit_kind_names,
    words,
)

__all__ = [
    "COMMON_STATIC",
    "COMMON_WORDS",
    "LANGUAGES",
    "ConsolePages",
    "ConsoleSettings",
    "language",
    "pick",
    "role_names",
    "roles_that",
    "unit_kind_names",
    "words",
]
