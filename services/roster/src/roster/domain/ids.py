"""Identifiers: member ids derived from natural keys, unit codes, group ids.

A member id must be stable across re-imports, so it is derived from the member's natural key
(personnel number for police; volunteer id, else the phone number, for volunteers). It appears
on every roster topic, so it must not reveal the key: a plain hash of a phone number is undone by
trying the few billion Indian mobiles. The id is therefore an HMAC-SHA256 of the key under the
deployment's `member_id_secret`, truncated to 120 bits and written in base32: opaque, stable for
one deployment, and not reversible without the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from enum import StrEnum


class KeyKind(StrEnum):
    PERSONNEL_NO = "pno"
    VOLUNTEER_ID = "vol"
    PHONE = "tel"


def normalise_key_text(text: str) -> str:
    """Personnel numbers and volunteer ids compare without case or surrounding blanks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def member_id(secret: bytes, kind: KeyKind, value: str) -> str:
    """`m-` and 24 base32 characters. `value` must already be normalised (E.164 for a phone)."""
    digest = hmac.new(secret, f"{kind.value}:{value}".encode(), hashlib.sha256).digest()
    return "m-" + base64.b32encode(digest[:15]).decode().lower()


_CODE_PART = re.compile(r"[^A-Z0-9]+")
UNIT_PREFIX = {
    "state": "",
    "range": "RNG-",
    "commissionerate": "CP-",
    "district": "DST-",
    "circle": "CIR-",
    "police_station": "PS-",
    "branch": "BR-",
}
UNIT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,63}$")


def unit_code(kind: str, english_name: str) -> str:
    """A readable code from the kind and the English name: `DST-SRI-GANGANAGAR`.

    The code names the unit, never its place in the tree (a district moves between ranges; its
    code stays). Callers resolve clashes (two stations called Kotwali) by adding a suffix.
    """
    body = _CODE_PART.sub("-", english_name.upper()).strip("-")
    return f"{UNIT_PREFIX[kind]}{body}"[:64].rstrip("-")


def circle_group_id(circle_id: str) -> str:
    return f"circle.{circle_id}"


STATE_CRIME_GROUP = "state-crime"
PHQ_CRIME_ADMIN_GROUP = "phq-crime-admin"
