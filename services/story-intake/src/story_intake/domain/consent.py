"""Who may send stories as far as consent goes: community volunteers (gram rakshak, CLG member,
police mitra, suraksha sakhi) only with their consent recorded in the roster and not withdrawn;
police and officials act in the course of duty and need none. Pure."""

from __future__ import annotations

from nazar_contracts.members import ConsentState
from nazar_contracts.vocabulary import COMMUNITY_ROLES, Role


def may_send_stories(role: Role, consent: str | None) -> bool:
    """`consent`: the member's state in the roster's read model, None when it is not known yet
    (a volunteer whose record has not arrived is not assumed to consent)."""
    if role not in COMMUNITY_ROLES:
        return True
    return consent == ConsentState.GRANTED
