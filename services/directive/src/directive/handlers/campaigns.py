"""A campaign's tracked links (issue 14, item 6): made in the relay's transaction, one per
(campaign, circle), so that every member of a circle group receives their circle's link."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from nazar_platform.db import Connection

from directive.domain.campaigns import CODE_BYTES, link_code
from directive.domain.model import DirectiveKind
from directive.store import campaigns as store
from directive.store import directives

# A fresh code colliding with a live one is a 2**-72 event; a few tries make it impossible.
_TRIES = 5


async def make_links(
    conn: Connection,
    directive: directives.DirectiveRow,
    district_id: str,
    circles: Sequence[str],
    now: datetime,
) -> int:
    """Links for the circles a campaign with a public post is relayed to (none otherwise); how
    many circles got one now."""
    if directive.kind != DirectiveKind.CAMPAIGN or not directive.public_post_url or not circles:
        return 0
    missing = set(circles) - await store.circles_with_links(conn, directive.id, circles)
    made = len(missing)
    for _ in range(_TRIES):
        if not missing:
            return made
        codes = {c: link_code(secrets.token_bytes(CODE_BYTES)) for c in sorted(missing)}
        await store.insert_links(
            conn, directive.id, district_id, codes, directive.public_post_url, now
        )
        missing -= await store.circles_with_links(conn, directive.id, sorted(missing))
    raise RuntimeError("could not make unique campaign link codes")
