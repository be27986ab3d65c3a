"""A unit's counts folded from the store's aggregate rows (roster.domain.counts)."""

from __future__ import annotations

from roster.domain.counts import CountRow, fold


def test_police_by_rank_volunteers_by_kind_and_consent() -> None:
    counts = fold(
        [
            CountRow("constable", "not_required", False, 40),
            CountRow("constable", "not_required", True, 2),
            CountRow("sp", "not_required", False, 1),
            CountRow("sho", "not_required", False, 3),
            CountRow("gram_rakshak", "granted", False, 9),
            CountRow("gram_rakshak", "withdrawn", True, 1),
            CountRow("clg_member", "pending", False, 4),
        ]
    )
    assert counts.total == 60
    assert counts.unreachable == 3
    # Most senior first, each rank summed over its rows.
    assert list(counts.police.items()) == [("sp", 1), ("sho", 3), ("constable", 42)]
    assert counts.volunteers == {
        "clg_member": {"granted": 0, "pending": 4, "withdrawn": 0},
        "gram_rakshak": {"granted": 9, "pending": 0, "withdrawn": 1},
    }
    assert list(counts.volunteers) == ["clg_member", "gram_rakshak"]


def test_a_volunteer_without_a_recorded_state_is_pending() -> None:
    counts = fold([CountRow("police_mitra", "not_required", False, 2)])
    assert counts.volunteers == {"police_mitra": {"granted": 0, "pending": 2, "withdrawn": 0}}
    assert counts.police == {}


def test_an_empty_subtree_counts_nothing() -> None:
    counts = fold([])
    assert (counts.total, counts.unreachable, counts.police, counts.volunteers) == (0, 0, {}, {})
