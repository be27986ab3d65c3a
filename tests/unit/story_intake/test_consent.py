"""Volunteers send stories only with their consent recorded; police and officials need none."""

from __future__ import annotations

import pytest
from nazar_contracts.members import ConsentState
from nazar_contracts.vocabulary import COMMUNITY_ROLES, Role
from story_intake.domain.consent import may_send_stories


@pytest.mark.parametrize("role", sorted(COMMUNITY_ROLES))
def test_a_volunteer_needs_granted_consent(role: Role) -> None:
    assert may_send_stories(role, str(ConsentState.GRANTED))
    for state in (ConsentState.PENDING, ConsentState.WITHDRAWN, None):
        assert not may_send_stories(role, None if state is None else str(state))


@pytest.mark.parametrize("role", [Role.CONSTABLE, Role.SHO, Role.CO, Role.SP])
def test_police_need_no_consent_record(role: Role) -> None:
    assert may_send_stories(role, None)
    assert may_send_stories(role, str(ConsentState.NOT_REQUIRED))
