"""Sealed sign-in codes: only the holder of the key opens them, only in their own context."""

from __future__ import annotations

import pytest
from nazar_platform.auth.sealed import (
    Sealed,
    Sealer,
    SealError,
    derived_keys,
    new_key,
    parse_keys,
)


def _sealer(*ids: str) -> Sealer:
    return Sealer(parse_keys({i: new_key() for i in ids}))


def test_a_sealed_code_opens_in_its_context_and_never_shows_the_code() -> None:
    s = _sealer("k1")
    sealed = s.seal("482913", "sgn-1:mbr-7")
    assert "482913" not in sealed.text and sealed.key_id == "k1"
    assert s.open(sealed, "sgn-1:mbr-7") == "482913"
    assert s.seal("482913", "sgn-1:mbr-7").text != sealed.text  # a fresh nonce each time


def test_another_context_another_key_or_a_changed_byte_does_not_open() -> None:
    s = _sealer("k1")
    sealed = s.seal("482913", "sgn-1:mbr-7")
    with pytest.raises(SealError):
        s.open(sealed, "sgn-2:mbr-7")
    with pytest.raises(SealError):
        _sealer("k1").open(sealed, "sgn-1:mbr-7")
    flipped = sealed.text[:-2] + ("A" if sealed.text[-2] != "A" else "B") + sealed.text[-1]
    with pytest.raises(SealError):
        s.open(Sealed("k1", flipped), "sgn-1:mbr-7")
    with pytest.raises(SealError):
        s.open(Sealed("k9", sealed.text), "sgn-1:mbr-7")


def test_keys_rotate_old_records_still_open() -> None:
    old, new = new_key(), new_key()
    before = Sealer(parse_keys({"2026-11": old}))
    sealed = before.seal("111222", "ctx")
    after = Sealer(parse_keys({"2026-12": new, "2026-11": old}))
    assert after.open(sealed, "ctx") == "111222"
    assert after.seal("333444", "ctx").key_id == "2026-12"


def test_a_key_of_the_wrong_size_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        parse_keys({"k": "c2hvcnQ"})
    with pytest.raises(ValueError):
        parse_keys({})


def test_keys_derived_from_settings_text_open_across_services_and_rotate() -> None:
    roster = Sealer(derived_keys(["a-long-random-text-the-operator-set-on-both-0001"]))
    publisher = Sealer(derived_keys(["a-long-random-text-the-operator-set-on-both-0001"]))
    sealed = roster.seal("482913", "sgn-1:mbr-7")
    assert publisher.open(sealed, "sgn-1:mbr-7") == "482913"
    rotated = Sealer(
        derived_keys(
            [
                "the-next-long-random-text-0002-xxxxxxxxxx",
                "a-long-random-text-the-operator-set-on-both-0001",
            ]
        )
    )
    assert rotated.open(sealed, "sgn-1:mbr-7") == "482913"
    assert rotated.seal("1", "c").key_id != sealed.key_id
    with pytest.raises(SealError):
        Sealer(derived_keys(["someone-elses-text-xxxxxxxxxxxxxxxxxxxxxxxx"])).open(
            sealed, "sgn-1:mbr-7"
        )
    with pytest.raises(ValueError):
        derived_keys([])
