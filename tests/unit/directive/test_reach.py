"""Status moves forward only; what a delivery counts for; roll-up along unit paths."""

from __future__ import annotations

from directive.domain.reach import Counts, DeliveryState, Status, counts, roll_up


def test_status_only_moves_forward_whatever_the_order() -> None:
    s = DeliveryState().receive(Status.READ).receive(Status.DELIVERED).receive(Status.SENT)
    assert s.rank == Status.READ
    assert counts(s) == Counts(targeted=1, sent=1, delivered=1, read=1)


def test_failed_counts_until_a_later_receipt_shows_it_delivered() -> None:
    failed = DeliveryState().receive(Status.SENT).receive(None, failed=True)
    assert counts(failed).failed == 1 and counts(failed).sent == 1
    recovered = failed.receive(Status.DELIVERED)  # the SMS fallback got through
    assert counts(recovered).failed == 0 and counts(recovered).delivered == 1


def test_an_acknowledgement_proves_the_message_was_read() -> None:
    s = DeliveryState().acknowledge()
    assert counts(s) == Counts(targeted=1, sent=1, delivered=1, read=1, acknowledged=1)
    assert s.acknowledge() == s  # repeating changes nothing


def test_roll_up_counts_each_row_for_every_unit_on_its_path() -> None:
    one = Counts(targeted=2, acknowledged=1)
    other = Counts(targeted=3, delivered=3)
    totals = roll_up(
        [
            (("RJ", "RNG-B", "DST-B", "CIR-N", "PS-N"), one),
            (("RJ", "RNG-B", "DST-B", "CIR-K", "PS-K"), other),
        ]
    )
    assert totals["RJ"] == totals["DST-B"] == one + other
    assert totals["CIR-N"] == totals["PS-N"] == one
    assert totals["PS-K"].ack_share() == 0.0 and Counts().ack_share() is None
