"""`python -m nazar_rostergen.stories --roster URL --story-intake URL`: the demo stories of
`deploy/stack up` (after `seed --scale demo`), one at each step of the moderation chain (a draft,
at the CO, at the SP, at PHQ, sent back, rejected, approved for internal circulation in its
district), in Hindi and English, written and decided through story-intake's public API by members
of the demo roster with dev tokens (the approved one's circulation text by the content writer).

Its own entry point, apart from `generate | seed`: it needs neither the roster's code nor its
database (importing them would double its start-up time), only the two services' APIs.

Idempotent: every POST carries a fixed `Idempotency-Key`, and story-intake derives the story's
id and a decision's step from it, so running `up` again creates and decides nothing twice (even
after the keys' 24 h retention, the derived ids still match).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from nazar_contracts.vocabulary import Role
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint

# The demo roster's Tijara circle (Khairthal-Tijara district): where the demo stories happen.
CIRCLE = "CIR-TIJARA"
DISTRICT = "DST-KHAIRTHAL-TIJARA"
STATE = "PHQ"
UNIT_WAIT_SECONDS = 60.0  # story-intake learns the seeded tree from the roster's units topic


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class Person:
    member_id: str
    grant: Grant

    def token(self) -> str:
        settings = AuthSettings()
        return mint(
            self.member_id,
            [self.grant],
            private_key=ensure_dev_keypair(settings.dev_private_key_path),
            issuer=settings.issuer,
            audience=settings.audience,
            ttl=timedelta(minutes=15),
            kid=settings.dev_kid,
        )


@dataclass(frozen=True)
class Demo:
    key: str  # of the Idempotency-Key of each request
    kind: str
    title: dict[str, str]
    text: dict[str, str]
    place: str
    submit: bool
    # (reviewer, decision, note) in order: "co", "sp", "phq".
    steps: tuple[tuple[str, str, str | None], ...] = ()


DEMOS = (
    Demo("draft", "good_initiative",
         {"hi": "नीमपुरा थाने की साइबर जागरूकता पाठशाला"},
         {"hi": "नीमपुरा थाना पुलिस ने सरकारी विद्यालय में विद्यार्थियों को ऑनलाइन ठगी से बचने के "
                "तरीके बताए और हेल्पलाइन 1930 की जानकारी दी।"},
         "नीमपुरा", submit=False),
    Demo("at-co", "recovery",
         {"hi": "तिजारा में चोरी की बारह मोटरसाइकिलें बरामद",
          "en": "Twelve stolen motorcycles recovered"},
         {"hi": "नाकाबंदी के दौरान तिजारा पुलिस ने चोरी की बारह मोटरसाइकिलें बरामद कीं।",
          "en": "Tijara police recovered twelve stolen motorcycles at a night checkpoint."},
         "तिजारा", submit=True),
    Demo("at-sp", "help_to_citizens",
         {"en": "Lost child reunited with family within two hours"},
         {"en": "A beat constable found a lost child at the Neempura fair and brought the family "
                "together within two hours."},
         "Neempura", submit=True, steps=(("co", "forward", None),)),
    Demo("at-phq", "gang_bust",
         {"hi": "वाहन चोर गिरोह का पर्दाफ़ाश, तीन गिरफ़्तार"},
         {"hi": "तिजारा कोतवाली पुलिस ने अंतरराज्यीय वाहन चोर गिरोह का पर्दाफ़ाश कर तीन आरोपियों "
                "को गिरफ़्तार किया और सात वाहन बरामद किए।"},
         "तिजारा", submit=True, steps=(("co", "forward", None), ("sp", "forward", None))),
    Demo("sent-back", "arrest",
         {"hi": "फरार इनामी बदमाश गिरफ़्तार", "en": "Absconding accused arrested"},
         {"hi": "भवानीसर पुलिस ने पाँच साल से फरार इनामी बदमाश को गिरफ़्तार किया।",
          "en": "Bhawanisar police arrested an accused who had absconded for five years."},
         "भवानीसर", submit=True,
         steps=(("co", "send_back", "कृपया गिरफ़्तारी की तारीख़ और इनाम की राशि जोड़ें।"),)),
    Demo("rejected", "other",
         {"en": "Traffic week in Tijara"},
         {"en": "Tijara police held a traffic awareness week at the bus stand."},
         "Tijara", submit=True,
         steps=(("co", "forward", None),
                ("sp", "reject", "Already covered by the district's press note of last week."))),
    Demo("approved", "positive_impact",
         {"hi": "ग्राम रक्षकों के साथ रात्रि गश्त से चोरियाँ घटीं",
          "en": "Night patrols with gram rakshaks cut thefts"},
         {"hi": "तिजारा वृत्त में ग्राम रक्षकों के साथ रात्रि गश्त शुरू होने के बाद तीन महीनों में "
                "चोरी की घटनाएँ आधी रह गईं।",
          "en": "Thefts in the Tijara circle halved in three months after night patrols with gram "
                "rakshaks began."},
         "तिजारा", submit=True,
         steps=(("co", "forward", None), ("sp", "forward", None), ("phq", "approve", None))),
)  # fmt: skip


def call_api(
    method: str, url: str, token: str, body: Any = None, key: str | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "hi"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (the stack's own URL)
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def find(roster: str, reader: Person, role: Role, unit: str) -> Person:
    """The first active member with `role` in `unit`'s subtree, from the roster's API."""
    query = urllib.parse.urlencode({"role": str(role), "unit": unit, "limit": 20})
    status, page = call_api("GET", f"{roster}/api/v1/members?{query}", reader.token())
    if status != 200:
        raise DemoError(f"roster answered {status} for {role} in {unit}: {page}")
    for m in page["items"]:
        posting = next((p for p in m["postings"] if p["role"] == role), None)
        if m["active"] and posting:
            return Person(m["member_id"], Grant(role, posting["unit_id"]))
    raise DemoError(f"the demo roster has no active {role} in {unit}")


def _post(url: str, who: Person, body: Any, key: str) -> Any:
    status, answer = call_api("POST", url, who.token(), body, key)
    if status >= 300:
        raise DemoError(f"{url} answered {status}: {answer}")
    return answer


def _create(base: str, author: Person, demo: Demo) -> Any:
    """Retries while story-intake does not know the author's unit yet (the tree is on its way
    from the roster's seed)."""
    body = {"kind": demo.kind, "title": demo.title, "text": demo.text, "place": demo.place,
            "submit": demo.submit}  # fmt: skip
    deadline = time.monotonic() + UNIT_WAIT_SECONDS
    while True:
        status, answer = call_api(
            "POST", f"{base}/api/v1/stories", author.token(), body, f"demo-story-{demo.key}"
        )
        if status == 201:
            return answer
        if not (status == 422 and answer.get("code") == "story.unit_unknown"):
            raise DemoError(f"story {demo.key!r}: {status} {answer}")
        if time.monotonic() > deadline:
            raise DemoError("story-intake did not learn the demo tree from the roster in time")
        time.sleep(0.5)


def _approve(base: str, story: Any, demo: Demo, writer: Person, approver: Person, key: str) -> Any:
    """The cell's way: the content writer writes the circulation text from the field text, the
    approver approves it for internal circulation in the author's district."""
    url = f"{base}/api/v1/stories/{story['id']}"
    # Approved by an earlier `up` whose keys have expired: a new version would be refused.
    status, now = call_api("GET", url, approver.token())
    if status == 200 and now["state"] == "approved":
        return now
    _post(f"{url}/versions/circulation", writer, {"title": demo.title, "body": demo.text}, key)
    return _post(f"{url}/approval", approver, {"scope": "district"}, f"{key}-approval")


def seed_stories(roster: str, story_intake: str) -> dict[str, str]:
    """The demo stories; story key -> state. Nothing twice on a second run."""
    reader = Person("rostergen-demo", Grant(Role.ADG, STATE))
    author = find(roster, reader, Role.CONSTABLE, CIRCLE)
    reviewers = {
        "co": find(roster, reader, Role.CO, CIRCLE),
        "sp": find(roster, reader, Role.SP, DISTRICT),
        "phq": find(roster, reader, Role.SP_PHQ_CRIME, STATE),
    }
    writer = find(roster, reader, Role.CONTENT_WRITER, STATE)
    states = {}
    for demo in DEMOS:
        story = _create(story_intake, author, demo)
        for n, (who, decision, note) in enumerate(demo.steps):
            key = f"demo-story-{demo.key}-{n}"
            if decision == "approve":
                story = _approve(story_intake, story, demo, writer, reviewers[who], key)
                continue
            story = _post(
                f"{story_intake}/api/v1/stories/{story['id']}/decisions",
                reviewers[who],
                {"decision": decision, "note": note},
                key,
            )
        states[demo.key] = f"{story['state']} {story['level'] or ''}".strip()
    return states


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nazar_rostergen.stories", description=__doc__)
    parser.add_argument("--roster", required=True, metavar="URL", help="the roster's base URL")
    parser.add_argument("--story-intake", required=True, metavar="URL", help="story-intake's")
    args = parser.parse_args(argv)
    try:
        states = seed_stories(args.roster.rstrip("/"), args.story_intake.rstrip("/"))
    except DemoError as error:
        print(f"demo stories: {error}", file=sys.stderr)
        return 1
    print("demo stories: " + ", ".join(f"{k} ({v})" for k, v in states.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
