"""The route table itself: every route of every service is classified, and the table names no
route that no longer exists (no running system needed)."""

from __future__ import annotations

from collections import Counter

from tests.security.routes import CLASSIFIED, SERVICES, TARGETS, Guard, route_table


def test_every_route_of_every_service_is_classified() -> None:
    rows = route_table()
    unclassified = [str(row) for row in rows if row.guard is None]
    assert not unclassified, (
        "UNCLASSIFIED routes (say what guards them in tests/security/routes.py CLASSIFIED):\n"
        + "\n".join(unclassified)
    )
    counts = Counter(row.guard for row in rows)
    summary = ", ".join(f"{guard}: {n}" for guard, n in counts.items())
    print(f"\nroute table: {len(rows)} routes, {summary}")
    assert counts[Guard.ACTION] > 50, "the RoleGates were not found: did `require` change?"


def test_the_table_lists_only_routes_that_exist_unguarded() -> None:
    found = {(row.service, row.key): row.guard for row in route_table()}
    stale = [
        f"{service} {key}"
        for service in SERVICES
        for key in CLASSIFIED[service] | CLASSIFIED["*"]
        if (service, key) not in found and key in CLASSIFIED[service]
    ]
    shared_stale = [key for key in CLASSIFIED["*"] if all((s, key) not in found for s in SERVICES)]
    # A listed route that a RoleGate or a token guards now must leave the table (it is found).
    guarded = [
        f"{service} {key}"
        for (service, key), guard in found.items()
        if guard in (Guard.ACTION, Guard.SIGNED_IN) and key in CLASSIFIED[service] | CLASSIFIED["*"]
    ]
    # A target rule names a guarded route that exists.
    targets = [
        f"{service} {key}"
        for service, rules in TARGETS.items()
        for key in rules
        if found.get((service, key)) is not Guard.ACTION
    ]
    assert not stale + shared_stale + guarded + targets, stale + shared_stale + guarded + targets
