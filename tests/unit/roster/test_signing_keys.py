"""Issue 16, item 2: signing-key states by time, rotation plans, sealed keys and token claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from nazar_platform.auth.sealed import Sealer, SealError, new_key, parse_keys
from nazar_platform.auth.tokens import Grant, mint
from roster.domain import signing
from roster.domain.signing import KeyState, KeyTimes
from roster.handlers.signing_keys import generate, open_private

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EVERY = timedelta(days=30)
LEAD = timedelta(minutes=10)
LIFE = timedelta(minutes=16)


def plan(keys: list[KeyTimes], now: datetime, force: bool = False) -> signing.Rotation | None:
    return signing.rotation(keys, now, every=EVERY, publish_lead=LEAD, token_life=LIFE, force=force)


def apply(keys: list[KeyTimes], rotation: signing.Rotation) -> list[KeyTimes]:
    retire = dict([rotation.retire]) if rotation.retire else {}
    kept = [
        KeyTimes(k.kid, k.publish_at, k.sign_from, retire.get(k.kid, k.retire_at)) for k in keys
    ]
    return [*kept, rotation.new]


def test_the_first_key_signs_at_once() -> None:
    first = plan([], T0)
    assert first is not None and first.retire is None
    assert first.new.publish_at == first.new.sign_from == T0
    assert signing.current([first.new], T0) == first.new


def test_a_first_key_made_a_moment_later_by_another_call_is_not_doubled() -> None:
    first = plan([], T0 + timedelta(milliseconds=5))
    assert first is not None
    assert plan([first.new], T0) is None
    assert plan([first.new], T0, force=True) is None


def test_no_rotation_before_it_is_due_unless_forced() -> None:
    first = plan([], T0)
    assert first is not None
    assert plan([first.new], T0 + EVERY - timedelta(seconds=1)) is None
    assert plan([first.new], T0 + timedelta(hours=1), force=True) is not None


def test_next_current_retired_by_time() -> None:
    first = plan([], T0)
    assert first is not None
    keys = [first.new]
    now = T0 + EVERY
    second = plan(keys, now)
    assert second is not None
    keys = apply(keys, second)
    old, new = keys
    # Published before it signs: the old key still signs, both are in the JWKS.
    assert signing.state(new, keys, now) is KeyState.NEXT
    assert signing.state(old, keys, now) is KeyState.CURRENT
    assert {k.kid for k in signing.published(keys, now)} == {old.kid, new.kid}
    assert plan(keys, now + timedelta(minutes=1)) is None  # a next key waits already
    # From sign_from the new key signs; the old stays published while its tokens live.
    switch = now + LEAD
    assert signing.current(keys, switch) == new
    assert signing.state(old, keys, switch) is KeyState.RETIRING
    assert {k.kid for k in signing.published(keys, switch + LIFE - timedelta(seconds=1))} == {
        old.kid,
        new.kid,
    }
    # Then it is gone from the JWKS.
    assert signing.state(old, keys, switch + LIFE) is KeyState.RETIRED
    assert [k.kid for k in signing.published(keys, switch + LIFE)] == [new.kid]


def test_private_keys_are_sealed_to_their_kid() -> None:
    sealer = Sealer(parse_keys({"kek-1": new_key()}))
    made = generate("kid-a", sealer)
    assert "PRIVATE" not in made.sealed.text
    assert made.public_jwk["kid"] == "kid-a" and made.public_jwk["alg"] == "ES256"
    assert "d" not in made.public_jwk  # public half only
    private = open_private("kid-a", made.sealed, sealer)
    with pytest.raises(SealError):
        open_private("kid-b", made.sealed, sealer)
    other = Sealer(parse_keys({"kek-1": new_key()}))
    with pytest.raises(SealError):
        open_private("kid-a", made.sealed, other)
    # A token it signs verifies with the published JWK and carries the member's grants.
    token = mint(
        "m-1",
        [Grant.parse("sp:DST-BIKANER")],
        private_key=private,
        issuer="nazar-dev",
        audience="nazar",
        ttl=timedelta(minutes=15),
        kid="kid-a",
    )
    assert jwt.get_unverified_header(token)["kid"] == "kid-a"
    claims = jwt.decode(
        token, jwt.PyJWK(made.public_jwk).key, algorithms=["ES256"], audience="nazar"
    )
    assert claims["sub"] == "m-1"
    assert claims["grants"] == [{"role": "sp", "unit": "DST-BIKANER"}]
    assert claims["exp"] - claims["iat"] == 15 * 60
