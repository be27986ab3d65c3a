"""Who must confirm a full sync, and when a review counts as confirmed; one rejection per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from roster.domain.imports import ImportResult
from roster.domain.sync import SyncPolicy, confirmations_needed, confirmed

POLICY = SyncPolicy(second_officer_above=0.10, confirm_within=timedelta(hours=24))


@pytest.mark.parametrize(
    ("would", "active", "needed"),
    [(0, 0, 1), (0, 53, 1), (5, 53, 1), (6, 53, 2), (52, 53, 2), (1, 1, 2), (10, 100, 1)],
)
def test_a_second_officer_above_the_share(would: int, active: int, needed: int) -> None:
    assert confirmations_needed(would, active, POLICY) == needed


def test_with_no_share_every_deactivation_needs_two() -> None:
    strict = SyncPolicy(second_officer_above=0.0)
    assert confirmations_needed(1, 10_000, strict) == 2 and confirmations_needed(0, 9, strict) == 1


def test_confirmed_needs_the_uploader_and_enough_officers() -> None:
    assert confirmed("m-sp", ["m-sp"], 1)
    assert not confirmed("m-sp", ["m-ig"], 1), "nobody confirms for the uploader"
    assert not confirmed("m-sp", ["m-sp"], 2)
    assert not confirmed("m-sp", ["m-sp", "m-sp"], 2)
    assert confirmed("m-sp", ["m-ig", "m-sp"], 2)


def test_rejections_of_one_row_merge_into_one() -> None:
    result = ImportResult("imp-1")
    result.reject(7, None, [{"code": "unknown-unit", "column": "unit"}])
    result.reject(3, "RJP3", [{"code": "bad-sms", "column": "sms"}])
    result.reject(7, "RJP7", [{"code": "erased-member", "column": None}])
    result.reject(7, None, [{"code": "unknown-unit", "column": "unit"}])
    assert result.merged() == [
        (3, "RJP3", None, [{"code": "bad-sms", "column": "sms"}]),
        (7, "RJP7", None, [{"code": "unknown-unit", "column": "unit"},
                           {"code": "erased-member", "column": None}]),
    ]  # fmt: skip
