"""Sign-in for local and test stacks: a token for a chosen member, minted by the service itself.

Pages served by a service (the roster's district-office pages, the directive console) need a
bearer token in a browser where no identity provider exists. In `local` and `test` environments
only, `dev_signin_router(grants_of)` adds `POST /dev/tokens` (`{"member_id": ...}`), which mints a
short-lived token signed with the dev key (the one `TokenVerifier` accepts in local and test only)
for that member with the grants the service knows for them (`grants_of`, e.g. the roster's
postings). Anywhere else the route answers 404 and mints nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from nazar_contracts.vocabulary import Role
from pydantic import BaseModel, Field

from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint
from nazar_platform.http.edge import DEV_SIGN_IN, route_class
from nazar_platform.http.problems import ProblemError

# Most senior first: the order the sign-in lists show members in.
SENIORITY: tuple[str, ...] = tuple(
    str(r)
    for r in (
        Role.ADG, Role.HOME_SECRETARY, Role.JOINT_SECRETARY_HOME, Role.SP_PHQ_CRIME,
        Role.POLICE_PRO, Role.IG, Role.SP, Role.CO, Role.SHO, Role.INSPECTOR, Role.SI, Role.ASI,
        Role.HEAD_CONSTABLE, Role.CONSTABLE, Role.CONTENT_WRITER, Role.GRAPHICS_DESIGNER,
        Role.CLG_MEMBER, Role.GRAM_RAKSHAK, Role.POLICE_MITRA, Role.SURAKSHA_SAKHI,
    )
)  # fmt: skip

GrantsOf = Callable[[Request, str], Awaitable[Sequence[Grant] | None]]


class DevTokenIn(BaseModel):
    member_id: Annotated[str, Field(min_length=1, max_length=128)]
    language: Annotated[str, Field(pattern="^(hi|en)$")] | None = None


class DevGrant(BaseModel):
    role: str
    unit: str


class DevTokenOut(BaseModel):
    token: str
    member_id: str
    grants: list[DevGrant]
    expires_in: int


def dev_signin_enabled(settings: AuthSettings) -> bool:
    return settings.development


def dev_signin_router(
    grants_of: GrantsOf, *, ttl: timedelta = timedelta(hours=8), tags: Sequence[str] = ("dev",)
) -> APIRouter:
    router = APIRouter(tags=list(tags))

    @router.post(
        "/dev/tokens",
        summary="Local and test stacks only: a token for any member",
        openapi_extra=route_class(DEV_SIGN_IN),
    )
    async def dev_token(body: DevTokenIn, request: Request) -> DevTokenOut:
        settings = AuthSettings()
        if not dev_signin_enabled(settings):
            raise ProblemError(404, "dev_sign_in_off")
        grants = await grants_of(request, body.member_id)
        if not grants:
            raise ProblemError(404, "dev_sign_in_unknown_member")
        key = ensure_dev_keypair(settings.dev_private_key_path)
        token = mint(
            body.member_id,
            grants,
            private_key=key,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl=ttl,
            kid=settings.dev_kid,
            language=body.language,
        )
        return DevTokenOut(
            token=token,
            member_id=body.member_id,
            grants=[DevGrant(role=str(g.role), unit=g.unit_id) for g in grants],
            expires_in=int(ttl.total_seconds()),
        )

    return router


def register_messages() -> None:
    from nazar_platform.http.problem_messages import register

    register(
        "dev_sign_in_off",
        404,
        title_en="Not available",
        title_hi="उपलब्ध नहीं",
        detail_en="Signing in by member id exists only in local and test environments.",
        detail_hi="सदस्य आईडी से साइन-इन केवल स्थानीय और परीक्षण परिवेश में है।",
    )
    register(
        "dev_sign_in_unknown_member",
        404,
        title_en="No such member",
        title_hi="ऐसा कोई सदस्य नहीं",
        detail_en="The service knows no postings for this member.",
        detail_hi="इस सदस्य की कोई तैनाती सेवा को ज्ञात नहीं है।",
    )


register_messages()
