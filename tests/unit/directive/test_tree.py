"""Which districts (and circles) an audience targets; which circles a relay goes to."""

from __future__ import annotations

import pytest
from directive.domain.model import ConflictError, InvalidRequestError
from directive.domain.tree import relay_circles, resolve_targets

from tests.unit.directive import support as s


def test_the_whole_state_targets_every_active_district_with_all_circles() -> None:
    assert resolve_targets([], s.tree()) == {
        "DST-BIKANER": None,
        "DST-CHURU": None,
        "DST-JAIPUR-EAST": None,
    }


def test_a_range_targets_its_districts_and_a_commissionerate_its_dcp_districts() -> None:
    assert resolve_targets(["RNG-BIKANER"], s.tree()) == {"DST-BIKANER": None, "DST-CHURU": None}
    assert resolve_targets(["CP-JAIPUR"], s.tree()) == {"DST-JAIPUR-EAST": None}


def test_chosen_circles_target_only_those_circles_of_their_district() -> None:
    targets = resolve_targets(["CIR-NOKHA", "CIR-SARDARSHAHAR"], s.tree())
    assert targets == {
        "DST-BIKANER": frozenset({"CIR-NOKHA"}),
        "DST-CHURU": frozenset({"CIR-SARDARSHAHAR"}),
    }


def test_a_whole_district_wins_over_one_of_its_circles() -> None:
    assert resolve_targets(["CIR-NOKHA", "DST-BIKANER"], s.tree()) == {"DST-BIKANER": None}


@pytest.mark.parametrize("unit", ["PS-NOKHA", "NOPE", "CIR-CLOSED"])
def test_stations_unknown_and_closed_units_are_refused(unit: str) -> None:
    with pytest.raises(InvalidRequestError):
        resolve_targets([unit], s.tree())


def test_relay_defaults_to_every_targeted_circle_that_exists_now() -> None:
    got = relay_circles(
        "DST-BIKANER", {"DST-BIKANER": None}, ["CIR-NOKHA", "CIR-KOLAYAT"], None, []
    )
    assert got == {"CIR-NOKHA", "CIR-KOLAYAT"}


def test_relay_to_some_circles_only_and_later_the_rest() -> None:
    targets = {"DST-BIKANER": None}
    circles = ["CIR-NOKHA", "CIR-KOLAYAT"]
    assert relay_circles("DST-BIKANER", targets, circles, ["CIR-NOKHA"], []) == {"CIR-NOKHA"}
    assert relay_circles("DST-BIKANER", targets, circles, None, ["CIR-NOKHA"]) == {"CIR-KOLAYAT"}
    with pytest.raises(ConflictError):
        relay_circles("DST-BIKANER", targets, circles, None, circles)


def test_relay_outside_the_audience_is_refused() -> None:
    with pytest.raises(InvalidRequestError):  # district not targeted
        relay_circles("DST-CHURU", {"DST-BIKANER": None}, ["CIR-SARDARSHAHAR"], None, [])
    with pytest.raises(InvalidRequestError):  # circle of the district but not targeted
        relay_circles(
            "DST-BIKANER",
            {"DST-BIKANER": frozenset({"CIR-NOKHA"})},
            ["CIR-NOKHA", "CIR-KOLAYAT"],
            ["CIR-KOLAYAT"],
            [],
        )


def test_tree_lookups() -> None:
    t = s.tree()
    assert t.district_of("PS-JASRASAR") == s.D_BIKANER
    assert t.range_of("CIR-ADARSH-NAGAR") == s.R_JAIPUR_C
    assert t.is_within("PS-KOLAYAT", "DST-BIKANER")
    assert not t.is_within("PS-KOLAYAT", "DST-CHURU")
