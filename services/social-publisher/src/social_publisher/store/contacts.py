"""SQL of contacts (from the roster's contacts topic) and members' WhatsApp service windows.
Functions take a connection and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from nazar_contracts.contacts import ContactUpserted
from nazar_platform.db import Connection

from social_publisher.domain.consent import Contact

_CONTACT_COLUMNS = (
    "member_id, whatsapp, sms, preferred_language, active, messaging_allowed, consent_state,"
    " synthetic"
)


async def upsert(conn: Connection, contacts: Sequence[ContactUpserted]) -> None:
    """Newest version wins; an older replayed version never overwrites a newer one."""
    await conn.executemany(
        """INSERT INTO contacts (member_id, whatsapp, sms, preferred_language, active,
               messaging_allowed, consent_state, synthetic, version, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (member_id) DO UPDATE SET
               whatsapp = EXCLUDED.whatsapp, sms = EXCLUDED.sms,
               preferred_language = EXCLUDED.preferred_language, active = EXCLUDED.active,
               messaging_allowed = EXCLUDED.messaging_allowed,
               consent_state = EXCLUDED.consent_state, synthetic = EXCLUDED.synthetic,
               version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
           WHERE contacts.version <= EXCLUDED.version""",
        [
            (
                c.member_id,
                _digits(c.whatsapp),
                _digits(c.sms),
                str(c.preferred_language),
                c.active,
                c.messaging_allowed,
                str(c.consent_state),
                c.synthetic,
                c.version,
                c.updated_at,
            )
            for c in contacts
        ],
    )


def _digits(number: str | None) -> str | None:
    if not number:
        return None
    return "".join(ch for ch in number if ch.isdigit()) or None


async def delete(conn: Connection, member_ids: Sequence[str]) -> None:
    await conn.execute("DELETE FROM contacts WHERE member_id = ANY($1::text[])", list(member_ids))
    await conn.execute(
        "DELETE FROM member_windows WHERE member_id = ANY($1::text[])", list(member_ids)
    )


async def of_members(conn: Connection, member_ids: Iterable[str]) -> dict[str, Contact]:
    rows = await conn.fetch(
        f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE member_id = ANY($1::text[])",
        list(set(member_ids)),
    )
    return {r["member_id"]: Contact(**dict(r)) for r in rows}


async def members_by_number(
    conn: Connection, column: str, numbers: Iterable[str]
) -> dict[str, str]:
    assert column in ("whatsapp", "sms")
    rows = await conn.fetch(
        f"SELECT member_id, {column} AS number FROM contacts WHERE {column} = ANY($1::text[])",
        list(set(numbers)),
    )
    return {r["number"]: r["member_id"] for r in rows}


async def windows(conn: Connection, member_ids: Iterable[str]) -> dict[str, datetime]:
    rows = await conn.fetch(
        "SELECT member_id, last_inbound_at FROM member_windows WHERE member_id = ANY($1::text[])",
        list(set(member_ids)),
    )
    return {r["member_id"]: r["last_inbound_at"] for r in rows}


async def open_windows(conn: Connection, opened: Sequence[tuple[str, datetime]]) -> None:
    await conn.executemany(
        """INSERT INTO member_windows (member_id, last_inbound_at) VALUES ($1, $2)
           ON CONFLICT (member_id) DO UPDATE SET last_inbound_at =
               greatest(member_windows.last_inbound_at, EXCLUDED.last_inbound_at)""",
        opened,
    )
