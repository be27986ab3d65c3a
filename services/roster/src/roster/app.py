"""The roster service: FastAPI app on the platform runtime, the opt-out consumer, the pages."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from fastapi import FastAPI
from nazar_platform import db
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import AuthSettings
from nazar_platform.db import migrations
from nazar_platform.http.access import require
from nazar_platform.http.csv_files import CsvReadError, read_checked
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import ServiceParts, Task, create_app

from roster import __version__
from roster.adapters.oidc import OidcClient, OidcProvider
from roster.api import auth, pages, routers, sign_in_page
from roster.api.problems import register_all
from roster.domain.imports import ImportResult
from roster.domain.oidc import paths_of
from roster.domain.passkeys import RelyingParty
from roster.domain.rows import ImportKind
from roster.domain.sync import SyncPolicy
from roster.handlers.context import Roster, Topics
from roster.handlers.imports import import_members
from roster.handlers.oidc_sign_in import OidcSignIn
from roster.handlers.passkeys import Passkeys
from roster.handlers.push_subscriptions import PushPolicy
from roster.handlers.sessions import Sessions
from roster.handlers.sign_in_codes import Limits, SignInCodes
from roster.handlers.signing_keys import KeyPolicy, SigningKeys
from roster.handlers.unit_imports import import_units
from roster.settings import RosterSettings
from roster.store import imports as import_store
from roster.store.directories import MemberUnits, UnitPaths
from roster.workers.key_rotation import rotate_keys
from roster.workers.opt_outs import consumers
from roster.workers.sign_in_retention import sign_in_retention


def roster_migrations() -> list[migrations.Migration]:
    return migrations.load("roster", "roster")


def use_cases(settings: RosterSettings, pool: asyncpg.Pool) -> Roster:
    return Roster(
        pool,
        Topics(
            units=settings.topic_units,
            members=settings.topic_members,
            contacts=settings.topic_contacts,
            groups=settings.topic_groups,
        ),
        settings.member_id_secret.get_secret_value().encode(),
        SyncPolicy(
            second_officer_above=settings.full_sync_second_officer_above,
            confirm_within=settings.full_sync_confirm_within,
        ),
    )


def sign_in_codes(settings: RosterSettings, pool: asyncpg.Pool) -> SignInCodes:
    return SignInCodes(
        pool,
        settings.sign_in_hash_key.get_secret_value().encode(),
        settings.code_sealer(),
        settings.topic_auth_codes,
        Limits(
            per_phone=settings.sign_in_codes_per_phone,
            per_address=settings.sign_in_codes_per_address,
            span=settings.sign_in_window,
            global_per_span=settings.sign_in_codes_per_minute,
            global_span=timedelta(minutes=1),
        ),
    )


def signing_keys(settings: RosterSettings, pool: asyncpg.Pool) -> SigningKeys:
    return SigningKeys(
        pool,
        settings.signing_key_sealer(),
        KeyPolicy(
            every=settings.signing_key_rotate_every,
            publish_lead=settings.signing_key_publish_lead,
            token_life=settings.access_token_ttl,
        ),
    )


def passkeys(settings: RosterSettings, pool: asyncpg.Pool) -> Passkeys:
    return Passkeys(
        pool,
        settings.sign_in_hash_key.get_secret_value().encode(),
        RelyingParty.of(settings.public_origin),
    )


def sessions(settings: RosterSettings, keys: SigningKeys) -> Sessions:
    auth_settings = AuthSettings()
    return Sessions(
        keys.pool,
        keys,
        settings.sign_in_hash_key.get_secret_value().encode(),
        issuer=auth_settings.issuer,
        audience=auth_settings.audience,
        access_ttl=settings.access_token_ttl,
        refresh_ttl=settings.refresh_token_ttl,
    )


def oidc_sign_in(settings: RosterSettings, pool: asyncpg.Pool) -> OidcSignIn | None:
    """The single sign-on way in, where a deployment configured one (issue 16 item 6)."""
    if not settings.oidc_enabled:
        return None
    assert settings.oidc_client_secret is not None and settings.oidc_client_id is not None
    assert settings.oidc_issuer is not None and settings.oidc_redirect_url is not None
    # The secret, the code and the ID token cross these: plain HTTP only on a laptop or in tests.
    if not settings.development and "http" in (
        settings.oidc_issuer.scheme,
        settings.oidc_redirect_url.scheme,
    ):
        raise RuntimeError("NAZAR_OIDC_ISSUER and NAZAR_OIDC_REDIRECT_URL must be https URLs")
    client = OidcClient(
        issuer=str(settings.oidc_issuer),
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        redirect_url=str(settings.oidc_redirect_url),
        scope=settings.oidc_scope,
        leeway=settings.oidc_leeway,
    )
    page, cookie_path = paths_of(client.redirect_url, settings.oidc_sign_in_page)
    return OidcSignIn(
        pool,
        OidcProvider(client),
        settings.sign_in_hash_key.get_secret_value().encode(),
        match=settings.oidc_match,
        member_claim=settings.oidc_member_claim,
        state_lifetime=settings.oidc_state_lifetime,
        sign_in_page=page,
        cookie_path=cookie_path,
    )


def create(settings: RosterSettings | None = None) -> FastAPI:
    settings = settings or RosterSettings()
    register_all()
    app: FastAPI

    async def start(runtime: Runtime) -> None:
        app.state.roster = use_cases(settings, runtime.pool)
        app.state.sign_in_codes = sign_in_codes(settings, runtime.pool)
        app.state.import_tasks = set()
        app.state.signing_keys = signing_keys(settings, runtime.pool)
        app.state.sessions = sessions(settings, app.state.signing_keys)
        app.state.passkeys = passkeys(settings, runtime.pool)
        app.state.oidc_sign_in = oidc_sign_in(settings, runtime.pool)
        app.state.oidc_names = (settings.oidc_name_hi, settings.oidc_name_en)
        app.state.push_policy = PushPolicy(
            settings.push_service_origins, settings.push_subscriptions_max
        )
        async with runtime.pool.acquire() as conn, conn.transaction():
            await import_store.interrupt_running(conn)
            await import_store.expire_reviews(conn, datetime.now(UTC))

    async def imports_finish(runtime: Runtime, stop: asyncio.Event) -> None:
        """Keeps imports in flight from being cut off mid-transaction by a shutdown."""
        await stop.wait()
        tasks: set[asyncio.Task[None]] = app.state.import_tasks
        if tasks:
            await asyncio.wait(tasks, timeout=settings.shutdown_timeout.total_seconds() / 2)

    async def key_rotation(runtime: Runtime, stop: asyncio.Event) -> None:
        await rotate_keys(runtime, stop, app.state.signing_keys, settings.signing_key_check_every)

    parts = ServiceParts(
        settings,
        migrations=roster_migrations(),
        consumers=lambda runtime: consumers(app.state.roster, settings, runtime),
        background=[
            Task("imports-finish", imports_finish),
            Task("sign-in-retention", lambda runtime, stop: sign_in_retention(app, settings, stop)),
            Task("signing-key-rotation", key_rotation),
        ],
        on_startup=[start],
    )
    app = create_app(
        parts,
        title="Nazar roster",
        version=__version__,
        description="The command tree, members, consent, derived groups and bulk import.",
        audit_read=require(Action.AUDIT_READ),
        routers=routers(),
        unit_directory=lambda runtime: UnitPaths(runtime.pool),
        member_directory=lambda runtime: MemberUnits(runtime.pool),
    )
    pages.install(app, settings)
    sign_in_page.install(app, settings)
    # Verifiers cache the JWKS for at most half the time a new key is published before it signs.
    auth.install_jwks(app, settings.signing_key_publish_lead / 2)
    return app


async def import_files(
    settings: RosterSettings,
    files: Sequence[tuple[str, Path]],
    *,
    only_into_empty: bool = False,
) -> int:
    """Apply CSV files (kind: units, police or volunteers) straight to the database; the running
    service's outbox publisher publishes them. A full sync, which officers review and confirm,
    goes through the API instead.

    `only_into_empty` skips each kind the roster holds already, so that seeding again (every
    `deploy/stack up`) leaves what was changed since (through the API or an import) as it is."""
    dsn = settings.database_url.get_secret_value()
    conn = await db.connect(dsn)
    try:
        await migrations.apply(conn, migrations.platform_migrations() + roster_migrations())
    finally:
        await conn.close()
    pool = await db.create_pool(dsn, min_size=1, max_size=2)
    try:
        roster = use_cases(settings, pool)
        for kind, path in files:
            if only_into_empty and await import_store.holds(pool, kind):
                print(f"{path.name}: skipped, the roster holds {kind} already")
                continue
            try:
                source = read_checked(path.open("rb"))
            except CsvReadError as exc:
                what = "UTF-8 text" if exc.reason == "encoding" else "CSV"
                print(
                    f"{path.name}: line {exc.line} is not {what}; nothing imported", file=sys.stderr
                )
                return 1
            with source:
                result: ImportResult
                if kind == "units":
                    result = await import_units(roster, source, "cli", path.name)
                else:
                    result = await import_members(
                        roster, ImportKind(kind), source, by="cli", scope=None, filename=path.name
                    )
            print(f"{path.name}: {result.total} rows, {result.counts}")
    finally:
        await pool.close()
    return 0


async def manage_keys(settings: RosterSettings, *, rotate: bool) -> int:
    """Lists the token-signing keys; `rotate` first publishes a next key now (it signs after the
    publish lead, like a scheduled one): for a key thought exposed, or before changing the KEK."""
    pool = await db.create_pool(settings.database_url.get_secret_value(), min_size=1, max_size=2)
    try:
        keys = signing_keys(settings, pool)
        if rotate:
            kid = await keys.rotate(force=True)
            print(f"added {kid}" if kid else "a next key is published already; nothing added")
        for times, state in await keys.listing():
            retire = f", retires {times.retire_at:%Y-%m-%d %H:%M}" if times.retire_at else ""
            print(f"{times.kid}: {state}, signs from {times.sign_from:%Y-%m-%d %H:%M}{retire}")
    finally:
        await pool.close()
    return 0
