"""Full sync: who must confirm before a file deactivates the members it leaves out (no I/O).

A full sync is first reviewed (nothing applied): the members of the list's kind in the uploader's
area who are active and absent from the file would be deactivated, the uploader never among
them. The uploader confirms that review; when it would deactivate more than
`second_officer_above` of the area's active members of that kind, a second officer — another
member allowed to import over the same area — must confirm it too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SyncPolicy:
    second_officer_above: float = 0.10
    confirm_within: timedelta = timedelta(hours=24)


def confirmations_needed(would_deactivate: int, active: int, policy: SyncPolicy) -> int:
    """1: the uploader's; 2: the uploader's and a second officer's."""
    return 2 if would_deactivate > policy.second_officer_above * active else 1


def confirmed(uploader: str, confirmers: Collection[str], needed: int) -> bool:
    """The uploader has confirmed, and as many officers as needed in all."""
    return uploader in confirmers and len(set(confirmers)) >= needed
