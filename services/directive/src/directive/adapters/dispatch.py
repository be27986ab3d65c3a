"""`dispatch.requested` records, encoded fast: the fan-out writes hundreds of thousands at once.

Everything that is the same for every recipient of a message in one language is serialised once;
per delivery only the ids, the signed inbox link and the time are spliced in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nazar_contracts import event_types as types
from nazar_contracts.dispatch import Purpose
from nazar_platform.auth import links
from nazar_platform.kafka.cloudevents import CONTENT_TYPE, format_time

from directive.domain.model import MessageInfo, MessageKind, OriginKind, Text
from directive.domain.texts import note_label, post_label

REQUESTED_TYPE = types.DISPATCH_REQUESTED
SOURCE = "/nazar/directive"
_TYPE = REQUESTED_TYPE.encode()
_SOURCE = SOURCE.encode()
_CONTENT_TYPE = CONTENT_TYPE.encode()

PURPOSES = {
    MessageKind.ORIGINAL: Purpose.DIRECTIVE,
    MessageKind.UPDATE: Purpose.UPDATE,
    MessageKind.CANCELLATION: Purpose.CANCELLATION,
    MessageKind.NOTE: Purpose.CO_NOTE,
    MessageKind.ESCALATION: Purpose.ESCALATION,
    MessageKind.STORY: Purpose.STORY,
    MessageKind.STORY_NOTICE: Purpose.STORY,
    MessageKind.ACCOUNT_NOTICE: Purpose.ACCOUNT_NOTICE,
    MessageKind.ALERT: Purpose.ALERT,
    MessageKind.ALERT_NOTICE: Purpose.ALERT,
}
TITLE_MAX = 200  # the contract's limit


@dataclass(frozen=True, slots=True)
class OutRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    key_hash: int | None = None  # the key's murmur2, when known: saves computing it again


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Encoder:
    """Builds the records of one job: its messages, each in the recipient's language."""

    def __init__(
        self,
        messages: list[MessageInfo],
        *,
        topic: str,
        flash_topic: str,
        note: str | None,
        link_key: bytes,
        base_url: str,
        link_ttl: timedelta,
        post_links: Mapping[str, str] | None = None,
    ) -> None:
        """`post_links`: a campaign relay's tracked link of each unit inside its circles (the
        member counted there gets it instead of the public post's own URL)."""
        self._messages = {m.id: m for m in messages}
        self._post_links = post_links or {}
        self._topic = {m.id: flash_topic if m.priority == "flash" else topic for m in messages}
        self._note = note
        self._key = link_key
        self._base = base_url.rstrip("/") + "/inbox/d/"
        self._ttl = link_ttl
        self._static: dict[tuple[UUID, str | None, str | None], tuple[str, str]] = {}
        self._last_time: datetime | None = None
        self._last_text = ""
        self._last_bytes = b""

    def _static_part(
        self, message_id: UUID, language: str | None, unit_id: str | None
    ) -> tuple[str, str]:
        """(chosen language, the JSON members shared by every delivery of it)."""
        m = self._messages[message_id]
        link = None
        if m.post_url and m.kind == MessageKind.ORIGINAL:
            link = self._post_links.get(unit_id or "", m.post_url)
        cached = self._static.get((message_id, language, link))
        if cached is not None:
            return cached
        text = Text(m.title_hi, m.body_hi, m.title_en, m.body_en)
        chosen, title, body = text.pick(language)
        if self._note and m.kind == MessageKind.ORIGINAL:
            body = f"{body}\n\n{note_label(chosen)}: {self._note}"
        if link is not None:
            body = f"{body}\n\n{post_label(chosen)}: {link}"
        # `directive_id` stays filled for a directive's messages, for readers that predate
        # `origin`.
        shared = {
            "message_id": str(m.id),
            "directive_id": None if m.directive_id is None else str(m.directive_id),
            "origin": {
                "kind": m.origin_kind or OriginKind.DIRECTIVE,
                "id": m.origin_id or str(m.directive_id),
            },
            "priority": m.priority,
            "purpose": str(PURPOSES[MessageKind(m.kind)]),
            "language": chosen,
            "title": title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…",
            "body": body,
            "ack_requested": m.ack_requested,
            "reply_code": m.reply_code,
            "expires_at": None if m.expires_at is None else format_time(m.expires_at),
        }
        part = (chosen, _dumps(shared)[1:-1])
        self._static[(message_id, language, link)] = part
        return part

    def _time(self, requested_at: datetime) -> tuple[str, bytes]:
        # A batch shares one request time: format it once.
        if requested_at != self._last_time:
            self._last_time = requested_at
            self._last_text = format_time(requested_at)
            self._last_bytes = self._last_text.encode()
        return self._last_text, self._last_bytes

    def record(
        self,
        delivery_id: UUID,
        message_id: UUID,
        member_id: str,
        language: str | None,
        requested_at: datetime,
        key_hash: int | None = None,
        unit_id: str | None = None,
    ) -> OutRecord:
        _, shared = self._static_part(message_id, language, unit_id)
        url = self._base + links.sign(delivery_id.bytes, requested_at + self._ttl, self._key)
        at, at_bytes = self._time(requested_at)
        did = str(delivery_id)
        member = _dumps(member_id)
        value = (
            f'{{"delivery_id":"{did}","member_id":{member},"inbox_url":"{url}",'
            f'"requested_at":"{at}",{shared}}}'
        ).encode()
        key = member_id.encode()
        # The CloudEvents headers of nazar_platform.kafka.cloudevents.headers_for, built directly:
        # the event id is the delivery id, so a republished record is recognisably the same event.
        headers = [
            ("ce_specversion", b"1.0"),
            ("ce_id", did.encode()),
            ("ce_source", _SOURCE),
            ("ce_type", _TYPE),
            ("ce_time", at_bytes),
            ("ce_subject", key),
            ("content-type", _CONTENT_TYPE),
        ]
        return OutRecord(self._topic[message_id], key, value, headers, key_hash)
