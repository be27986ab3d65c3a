"""Signed inbox links through HTTP: one spelling per link, an absurd expiry is a 404 (never a
500), and during a key rotation links signed with the previous key still open.

The service signs with NEW_KEY and still accepts OLD_KEY (`inbox_link_previous_keys`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from nazar_platform.auth import links

from tests.conftest import DatabaseFactory
from tests.integration.directive.api_support import Api, running_service
from tests.integration.directive.support import requested
from tests.integration.directive.test_api import issue

NEW_KEY = "signed-links-test-key-after-rotation-0123456789"
OLD_KEY = "signed-links-test-key-before-rotation-0123456789"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
async def api(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Api]:
    # Hundreds of spellings from one address: the signed links' own limit is another test's.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NAZAR_RATE_LIMIT_SIGNED_LINK", "off")
        async with running_service(
            databases, kafka_bootstrap, inbox_link_key=NEW_KEY, inbox_link_previous_keys=[OLD_KEY]
        ) as running:
            yield running


@pytest.fixture(scope="module")
async def delivery(api: Api) -> uuid.UUID:
    d = await issue(api)
    found: uuid.UUID = await api.pool.fetchval(
        "SELECT id FROM deliveries WHERE directive_id = $1 ORDER BY id LIMIT 1",
        uuid.UUID(str(d["id"])),
    )
    assert found is not None
    return found


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(delivery_id: uuid.UUID, expiry: int, key: str) -> str:
    """A link as our key signs it, with any expiry (as a leaked key or a bug would)."""
    payload = struct.pack(">B16sQ", 1, delivery_id.bytes, expiry)
    return f"{b64(payload)}.{b64(hmac.digest(key.encode(), payload, hashlib.sha256)[:16])}"


def tomorrow() -> int:
    return int((datetime.now(UTC) + timedelta(days=1)).timestamp())


def respellings(token: str) -> list[str]:
    """Other texts a lenient decoder reads as the same bytes (see tests/unit/directive)."""
    payload, mac = token.split(".")

    def last(half: str) -> list[str]:
        used = B64URL.index(half[-1]) & 0b110000
        return [half[:-1] + B64URL[used | low] for low in range(16)]

    found = [f"{p}.{mac}" for p in last(payload)] + [f"{payload}.{m}" for m in last(mac)]
    found += [f"{payload}.{mac}==", f"{payload}==.{mac}", f"{payload}.{mac[:4]}%0A{mac[4:]}"]
    return [t for t in found if t != token]


async def test_a_link_opens_under_one_spelling_only(api: Api, delivery: uuid.UUID) -> None:
    # Regression: changing the last character only in its unused bits gave the same link.
    token = signed(delivery, tomorrow(), NEW_KEY)
    async with api.client() as c:
        assert (await c.get(f"/inbox/d/{token}", headers=HTML)).status_code == 200
        for other in respellings(token):
            page = await c.get(f"/inbox/d/{other}", headers=HTML)
            assert page.status_code == 404, other
            problem = await c.get(f"/inbox/d/{other}")
            assert problem.status_code == 404, other
            assert problem.json()["code"] == "directive.link_invalid"
            pressed = await c.post(f"/inbox/d/{other}/ack", headers=HTML)
            assert pressed.status_code == 404, other
    acked = await api.pool.fetchval("SELECT acked_at FROM deliveries WHERE id = $1", delivery)
    assert acked is None


@pytest.mark.parametrize("expiry", [2**64 - 1, 2**63, 253402300800])
async def test_an_absurd_expiry_is_a_404_not_a_500(
    api: Api, delivery: uuid.UUID, expiry: int
) -> None:
    # Regression: an expiry near 2**64 raised OverflowError (a 500) before the link was judged.
    token = signed(delivery, expiry, NEW_KEY)
    attachment = uuid.uuid4()
    async with api.client() as c:
        for response in (
            await c.get(f"/inbox/d/{token}"),
            await c.get(f"/inbox/d/{token}", headers=HTML),
            await c.post(f"/inbox/d/{token}/ack", headers=HTML),
            await c.get(f"/inbox/d/{token}/attachments/{attachment}"),
        ):
            assert response.status_code == 404, response.text
    # An expiry within the configured lifetime is the link working as ever.
    fine = signed(delivery, tomorrow(), NEW_KEY)
    async with api.client() as c:
        assert (await c.get(f"/inbox/d/{fine}", headers=HTML)).status_code == 200


async def test_during_a_rotation_links_of_both_keys_open(api: Api, delivery: uuid.UUID) -> None:
    before = signed(delivery, tomorrow(), OLD_KEY)
    forged = signed(delivery, tomorrow(), "some-other-key-nobody-configured-0123456789")
    async with api.client() as c:
        assert (await c.get(f"/inbox/d/{before}", headers=HTML)).status_code == 200
        assert (await c.get(f"/inbox/d/{forged}", headers=HTML)).status_code == 404
    # What the service sends now is signed with the new key alone.
    sent = [s.data.inbox_url for s in await requested(api.bootstrap, api.topics.deliveries)]
    token = next(url for url in sent if url).rsplit("/", 1)[1]
    now = datetime.now(UTC)
    assert links.verify(token, [NEW_KEY.encode()], now, timedelta(days=15))
    with pytest.raises(links.InvalidLinkError):
        links.verify(token, [OLD_KEY.encode()], now, timedelta(days=15))
