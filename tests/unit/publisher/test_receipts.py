"""Receipt state only moves forward (issue 5, item 2)."""

from __future__ import annotations

from social_publisher.domain.receipts import Receipt, advances, after

S, D, R, F = Receipt.SENT, Receipt.DELIVERED, Receipt.READ, Receipt.FAILED


def test_in_order_statuses_each_advance() -> None:
    state = None
    for status in (S, D, R):
        assert advances(state, status)
        state = after(state, status)
    assert state is R


def test_read_before_delivered_then_delivered_is_dropped() -> None:
    state = after(after(None, S), R)
    assert state is R
    assert not advances(state, D)
    assert after(state, D) is R


def test_missing_read_leaves_delivered() -> None:
    assert after(after(None, S), D) is D


def test_repeats_do_not_advance() -> None:
    assert not advances(S, S)
    assert not advances(D, D)


def test_failed_is_terminal_and_never_follows_delivery() -> None:
    assert advances(None, F) and advances(S, F)
    assert not advances(D, F) and not advances(R, F)
    for status in (S, D, R, F):
        assert not advances(F, status)
