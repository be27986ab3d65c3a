"""Every route of every service, and what guards it: the authorization matrix's rows.

The services' FastAPI apps are built (not started) and every route's dependency tree is walked:
a `RoleGate` (what `nazar_platform.http.access.require` returns) names the action that guards
the route, a bare `get_principal` makes it "signed in". A route with neither must be listed in
`CLASSIFIED` below with what else guards it (or why it is public); a route found in neither place
is UNCLASSIFIED and `test_route_table` fails with its path. So a new route is in the matrix the
moment it exists: guarded ones by themselves, unguarded ones once someone says why.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from nazar_platform.auth.access import Action
from nazar_platform.http.access import RoleGate, get_principal

SERVICES = {
    "roster": "roster.app",
    "directive": "directive.app",
    "social-publisher": "social_publisher.app",
    "story-intake": "story_intake.app",
}


class Guard(StrEnum):
    ACTION = "action"  # a RoleGate: the caller's roles must include the action (found, not listed)
    SIGNED_IN = "signed-in"  # any verified token; the handler decides the rest (found)
    PUBLIC = "public"  # anyone: health, docs, sign-in steps, static files, page shells
    PAGE = "page"  # an HTML shell with no data in it; its script calls the API with a token
    WEBHOOK = "webhook"  # a provider's call, checked by its signature (tests: test_forged_webhooks)
    SIGNED_LINK = "signed-link"  # a MAC in the path is the credential (a notice's link)
    DEV = "dev"  # development only: absent unless NAZAR_DEVELOPMENT (tokens for any member)


# Routes that no RoleGate or get_principal guards, by service and "METHOD path" ("MOUNT path"
# for a mounted directory). THE ONE TABLE TO EDIT when a test names an UNCLASSIFIED route.
CLASSIFIED: dict[str, dict[str, Guard]] = {
    "*": {
        "GET /openapi.json": Guard.PUBLIC,
        "HEAD /openapi.json": Guard.PUBLIC,
        "GET /healthz": Guard.PUBLIC,
        "GET /readyz": Guard.PUBLIC,
        "GET /docs": Guard.PUBLIC,
        "GET /docs/swagger-init.js": Guard.PUBLIC,
        "POST /api/v1/dev/tokens": Guard.DEV,
        "MOUNT /console/common": Guard.PUBLIC,
    },
    "roster": {
        # Signing in: before there is a token. Limited per number and address (ratelimit).
        "POST /api/v1/auth/codes": Guard.PUBLIC,
        "POST /api/v1/auth/codes/verify": Guard.PUBLIC,
        "POST /api/v1/auth/token": Guard.PUBLIC,  # a refresh token is the credential
        "POST /api/v1/auth/sign-out": Guard.PUBLIC,  # revokes the refresh token sent
        "POST /api/v1/auth/passkeys/options": Guard.PUBLIC,
        "POST /api/v1/auth/passkeys/verify": Guard.PUBLIC,
        "GET /api/v1/auth/methods": Guard.PUBLIC,
        "GET /api/v1/auth/oidc/start": Guard.PUBLIC,
        "GET /api/v1/auth/oidc/callback": Guard.PUBLIC,  # state cookie + the provider's code
        "GET /.well-known/jwks.json": Guard.PUBLIC,
        "GET /sign-in": Guard.PAGE,
        "GET /dev/sign-in": Guard.DEV,
        "MOUNT /roster/static": Guard.PUBLIC,
        "GET /roster": Guard.PAGE,
        "GET /roster/units/{unit_id}": Guard.PAGE,
        "GET /roster/groups": Guard.PAGE,
        "GET /roster/groups/{group_id}": Guard.PAGE,
        "GET /roster/imports": Guard.PAGE,
        "GET /roster/imports/{import_id}": Guard.PAGE,
        "GET /roster/erasures": Guard.PAGE,
        "GET /roster/members": Guard.PAGE,
        "GET /roster/members/{member_id}": Guard.PAGE,
        "GET /roster/erasures/{request_id}": Guard.PAGE,
    },
    "directive": {
        "GET /api/v1/dev/members": Guard.DEV,
        "GET /inbox/d/{token}": Guard.SIGNED_LINK,
        "POST /inbox/d/{token}/ack": Guard.SIGNED_LINK,
        "GET /inbox/d/{token}/attachments/{attachment_id}": Guard.SIGNED_LINK,
        "GET /c/{code}": Guard.SIGNED_LINK,  # a short link's code, resolved to a signed link
        "HEAD /c/{code}": Guard.SIGNED_LINK,
        "MOUNT /inbox/static": Guard.PUBLIC,
        "MOUNT /console/static": Guard.PUBLIC,
        "GET /": Guard.PAGE,
        "GET /console": Guard.PAGE,
        "GET /console/sign-in": Guard.PAGE,
        "GET /console/new": Guard.PAGE,
        "GET /console/directives/{directive_id}": Guard.PAGE,
        "GET /console/directives/{directive_id}/campaign": Guard.PAGE,
        "GET /console/alerts": Guard.PAGE,
        "GET /console/stories/{story_id}": Guard.PAGE,
    },
    "social-publisher": {
        "GET /webhooks/whatsapp": Guard.WEBHOOK,  # Meta's verification: the verify token
        "POST /webhooks/whatsapp": Guard.WEBHOOK,  # X-Hub-Signature-256
        "POST /webhooks/sms/reports": Guard.WEBHOOK,
        "POST /webhooks/sms/inbound": Guard.WEBHOOK,
        "GET /media/{sha256}": Guard.PUBLIC,  # approved creatives the platforms fetch to post
        "GET /oauth/x/callback": Guard.WEBHOOK,  # the state issued by .../connect is the check
    },
    "story-intake": {
        "GET /api/v1/dev/members": Guard.DEV,
        "GET /api/v1/media/{sha256}": Guard.SIGNED_LINK,  # ?token=: a story photo's signed URL
        "GET /api/v1/alerts/media/{sha256}": Guard.SIGNED_LINK,  # an alert photo's, expiring
        "MOUNT /console/static": Guard.PUBLIC,
        "GET /": Guard.PAGE,
        "GET /console": Guard.PAGE,
        "GET /console/sign-in": Guard.PAGE,
        "GET /console/stories/{story_id}": Guard.PAGE,
    },
}


class Target(StrEnum):
    """How a guarded route judges its target, where it is not simply "the caller's scope for the
    action must cover the unit or member in the path" (SCOPED, the default)."""

    SCOPED = "scoped"
    OPEN = "open"  # the target is not personal data: anyone whose role has the action reads it
    MEMBERSHIP = "membership"  # in the caller's scope, or a group the caller is a member of
    NOT_SELF = "not-self"  # in scope, and never the caller themself
    STATE_ONLY = "state-only"  # only a state-wide grant of the action (the PHQ cell's views)


# Guarded routes whose target rule is not SCOPED, by service and "METHOD path". Edit with care:
# each entry widens or narrows what the matrix accepts; say why beside it.
TARGETS: dict[str, dict[str, Target]] = {
    "roster": {
        # The command tree is not personal data (roster README: "anyone with roster.read").
        "GET /api/v1/units/{unit_id}": Target.OPEN,
        "GET /api/v1/units/{unit_id}/history": Target.OPEN,
        "GET /api/v1/units/{unit_id}/subtree": Target.OPEN,
        # A member of a group sees it and its officers, whatever their scope.
        "GET /api/v1/groups/{group_id}": Target.MEMBERSHIP,
        "GET /api/v1/groups/{group_id}/members": Target.MEMBERSHIP,
        # Nobody resets their own passkeys (a stolen phone would reset itself).
        "DELETE /api/v1/members/{member_id}/passkeys": Target.NOT_SELF,
    },
    "story-intake": {
        "GET /api/v1/publish/accounts": Target.STATE_ONLY,
    },
}


# Routes the matrix must not carry out where the caller may: they destroy what later cells and
# suites use (an erasure, a unit's closure, a member's passkeys). Their refused and foreign cells
# are still sent; a wrongly allowed one shows as a LEAK.
DESTRUCTIVE: dict[str, set[str]] = {
    "roster": {
        "POST /api/v1/erasures/{request_id}/approval",
        "POST /api/v1/units/{unit_id}/closure",
        "DELETE /api/v1/members/{member_id}/passkeys",
    },
}


@dataclass(frozen=True)
class RouteRow:
    service: str
    method: str  # GET, POST, ...; MOUNT for a mounted directory
    path: str  # as declared, with {parameters}
    guard: Guard | None  # None: UNCLASSIFIED
    actions: tuple[Action, ...] = ()  # the RoleGates' actions (Guard.ACTION)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def target(self) -> Target:
        return TARGETS.get(self.service, {}).get(self.key, Target.SCOPED)

    @property
    def destructive(self) -> bool:
        return self.key in DESTRUCTIVE.get(self.service, set())

    @property
    def parameters(self) -> list[str]:
        return [part[1:-1].split(":")[0] for part in self.path.split("/") if part[:1] == "{"]

    def __str__(self) -> str:
        return f"{self.service} {self.key}"


def _gates(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _gates(sub)


@cache
def app_of(service: str) -> FastAPI:
    app: FastAPI = importlib.import_module(SERVICES[service]).create()
    return app


def rows_of(service: str) -> list[RouteRow]:
    table = CLASSIFIED["*"] | CLASSIFIED[service]
    rows = []
    for route in iter_route_contexts(app_of(service).routes):
        dependant = getattr(route, "dependant", None)
        calls = list(_gates(dependant)) if dependant is not None else []
        actions = tuple(dict.fromkeys(c.action for c in calls if isinstance(c, RoleGate)))
        methods = sorted(route.methods or []) or ["MOUNT"]
        for method in methods:
            guard: Guard | None
            if actions:
                guard = Guard.ACTION
            elif get_principal in calls:
                guard = Guard.SIGNED_IN
            else:
                guard = table.get(f"{method} {route.path}")
            rows.append(RouteRow(service, method, str(route.path), guard, actions))
    return rows


@cache
def route_table() -> tuple[RouteRow, ...]:
    return tuple(row for service in SERVICES for row in rows_of(service))
