"""`python -m nazar_rostergen.alerts --roster URL --directive URL --story-intake URL
--fake-whatsapp URL`: where `deploy/stack up` shows a field alert (issue 15) on the demo roster.

It raises nothing (an alert pages real officers' phones in spirit: a person raises it, or the
end-to-end test does). It names the cast of the demo alert station (`DEMO_ALERT_STATION`,
Bikaner): the gram rakshak with consent who raises it, the SHO, CO and SP it is routed to, the
range IG it escalates to, found through the roster's API as `up` loaded them, and the pages and
logs to watch. Like `nazar_rostergen.stories`, it needs only the services' APIs.
"""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import Grant

from nazar_rostergen.places import DEMO_ALERT_STATION
from nazar_rostergen.stories import STATE, DemoError, Person, call_api, find


@dataclass(frozen=True)
class Cast:
    station: str
    circle: str
    district: str
    range_id: str
    raiser: str
    sho: str
    co: str
    sp: str
    ig: str


def _raiser(roster: str, reader: Person, station: str) -> str:
    """A gram rakshak of the station with consent and WhatsApp: may raise, and hears back."""
    query = urllib.parse.urlencode({"role": str(Role.GRAM_RAKSHAK), "unit": station, "limit": 50})
    status, page = call_api("GET", f"{roster}/api/v1/members?{query}", reader.token())
    if status != 200:
        raise DemoError(f"roster answered {status} for the gram rakshaks of {station}: {page}")
    for summary in page["items"]:
        status, member = call_api("GET", f"{roster}/api/v1/members/{summary['member_id']}",
                               reader.token())  # fmt: skip
        if (
            status == 200
            and member["active"]
            and member["consent"]["state"] == "granted"
            and member["whatsapp"]
        ):
            return str(member["member_id"])
    raise DemoError(f"no gram rakshak with consent and WhatsApp at {station}")


def cast(roster: str, station: str = DEMO_ALERT_STATION) -> Cast:
    reader = Person("rostergen-demo", Grant(Role.ADG, STATE))
    sho = find(roster, reader, Role.SHO, station)
    status, member = call_api("GET", f"{roster}/api/v1/members/{sho.member_id}", reader.token())
    if status != 200:
        raise DemoError(f"roster answered {status} for the SHO of {station}: {member}")
    path = next(p["unit_path"] for p in member["postings"] if p["unit_id"] == station)
    # A station's path runs state, range, district, circle, station.
    range_id, district, circle = path[1], path[2], path[3]
    return Cast(
        station,
        circle,
        district,
        range_id,
        _raiser(roster, reader, station),
        sho.member_id,
        find(roster, reader, Role.CO, circle).member_id,
        find(roster, reader, Role.SP, district).member_id,
        find(roster, reader, Role.IG, range_id).member_id,
    )


def where_to_look(c: Cast, directive: str, story_intake: str, fake_whatsapp: str) -> str:
    mint = "python -m nazar_platform.cli.tokens mint"
    return "\n".join(
        [
            f"field alerts (demo station {c.station}, {c.circle}, {c.district}, {c.range_id}):",
            f"  raise one as gram rakshak {c.raiser}: POST {story_intake}/api/v1/alerts "
            f"(token: {mint} --member {c.raiser} --grant gram_rakshak:{c.station})",
            f"  routed at once to SHO {c.sho}, CO {c.co} and, when immediate, SP {c.sp}; "
            f"not acknowledged in time (NAZAR_ALERT_IMMEDIATE_TO_IG_AFTER): to IG {c.ig}",
            f"  alert board: {directive}/console/alerts (sign in as one of them); take, close: "
            f"POST {directive}/api/v1/incidents/<alert id>/take|close",
            f"  their WhatsApp: {fake_whatsapp}/_fake/messages",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nazar_rostergen.alerts", description=__doc__)
    for name in ("roster", "directive", "story-intake", "fake-whatsapp"):
        parser.add_argument(f"--{name}", required=True, metavar="URL", help=f"{name}'s base URL")
    args = parser.parse_args(argv)
    try:
        found = cast(args.roster.rstrip("/"))
    except DemoError as error:
        print(f"demo alerts: {error}", file=sys.stderr)
        return 1
    print(
        where_to_look(
            found,
            args.directive.rstrip("/"),
            args.story_intake.rstrip("/"),
            args.fake_whatsapp.rstrip("/"),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
