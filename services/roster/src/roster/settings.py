"""Roster settings (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from nazar_contracts import topics
from nazar_platform.auth.code_keys import CodeKeySettings
from nazar_platform.auth.sealed import Sealer, derived_keys
from nazar_platform.config.secrets import Secret
from nazar_platform.config.settings import PlatformSettings
from pydantic import Field, SecretStr

# The local and test stacks' secret; refused in any other environment
# (nazar_platform.config.secrets).
# The CSV import's own body limit (every JSON route keeps the platform's 1 MiB): the HR export of
# a whole state is about 15 MB and the volunteer lists about 30 MB.
IMPORT_BODY_BYTES = 64 * 1024 * 1024
DEV_MEMBER_ID_SECRET = "nazar-dev-member-id-secret"  # noqa: S105 - a published dev default
DEV_SIGN_IN_HASH_KEY = "nazar-dev-sign-in-hash-key-change-me-0001"  # a published dev default
DEV_SIGNING_KEY_KEK = "nazar-dev-signing-key-kek-change-me-0001"  # a published dev default


class RosterSettings(PlatformSettings, CodeKeySettings):
    service_name: str = "roster"
    http_port: int = 19101
    # Its own database on the server of NAZAR_PG_DSN, unless NAZAR_DATABASE_URL is set.
    database_name: str | None = "nazar_roster"
    # Member ids are HMAC(secret, natural key): keep it stable for a deployment, and secret.
    member_id_secret: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_MEMBER_ID_SECRET)
    # Issue 16: the key of the keyed hashes of sign-in codes, tickets and phone numbers
    # (domain/sign_in.py). Changing it voids every sign-in under way, nothing else.
    sign_in_hash_key: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_SIGN_IN_HASH_KEY)
    # Issue 16, item 2: the key (any long random text) sealing the token-signing keys' private
    # halves in the database, so a dump of it signs nothing. To change it, move the old text to
    # the previous KEKs until every key sealed under it has retired (one rotation period).
    signing_key_kek: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_SIGNING_KEY_KEK)
    signing_key_previous_keks: Annotated[
        tuple[SecretStr, ...], Secret(min_length=32, optional=True)
    ] = ()
    # A new signing key every `signing_key_rotate_every`, published `signing_key_publish_lead`
    # before it signs (longer than every verifier's JWKS cache, NAZAR_AUTH_JWKS_CACHE_SECONDS).
    signing_key_rotate_every: timedelta = timedelta(days=30)
    signing_key_publish_lead: timedelta = timedelta(minutes=10)
    signing_key_check_every: timedelta = timedelta(minutes=5)
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=14)
    # Topic names come from here so that a test can point the service at its own topics.
    topic_units: str = topics.ROSTER_UNITS
    topic_members: str = topics.ROSTER_MEMBERS
    topic_contacts: str = topics.ROSTER_CONTACTS
    topic_groups: str = topics.ROSTER_GROUPS
    topic_replies: str = topics.DISPATCH_REPLIES
    topic_auth_codes: str = topics.AUTH_CODES
    opt_out_consumer_group: str = "roster-opt-outs"
    # A full sync that would deactivate more than this share of the area's active members of the
    # list's kind needs a second officer's confirmation besides the uploader's.
    full_sync_second_officer_above: float = Field(default=0.10, ge=0, le=1)
    # How long a full sync's review waits for its confirmations before it expires.
    full_sync_confirm_within: timedelta = timedelta(hours=24)

    # Phone sign-in (issue 16): codes per number and per client address in `sign_in_window`, and
    # for everyone per minute (a flood that would empty the WhatsApp quota stops here).
    sign_in_codes_per_phone: int = Field(default=3, ge=1)
    # Mobile carriers put many members behind one address (CGNAT).
    sign_in_codes_per_address: int = Field(default=100, ge=1)
    sign_in_window: timedelta = Field(default=timedelta(minutes=15), gt=timedelta(0))
    # 200 a second: above the 100/s a shift signing in at once asks for (bench.signin).
    sign_in_codes_per_minute: int = Field(default=12_000, ge=1)
    # Sign-in rows (keyed hashes of numbers, addresses) are deleted after this.
    sign_in_retention: timedelta = Field(default=timedelta(days=1), ge=timedelta(hours=1))

    # Issue 16 items 3 and 5: the one origin every page is served under. Its host is the WebAuthn
    # relying-party id, and a passkey answer must name exactly this origin.
    public_origin: str = Field(default="http://localhost:8080", pattern=r"^https?://[^/?#]+$")

    @property
    def dev_sign_in(self) -> bool:
        return self.development

    def signing_key_sealer(self) -> Sealer:
        """Seals new signing keys under the KEK; opens those sealed under a previous one too."""
        keks = (self.signing_key_kek, *self.signing_key_previous_keks)
        return Sealer(derived_keys([k.get_secret_value() for k in keks]))
