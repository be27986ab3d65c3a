"""Roster settings (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from nazar_contracts import topics
from nazar_platform.auth.code_keys import CodeKeySettings
from nazar_platform.auth.sealed import Sealer, derived_keys
from nazar_platform.config.secrets import Secret
from nazar_platform.config.settings import PlatformSettings
from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

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
    # The read models' confirmations that they erased a member (issue 20 item 6).
    topic_erasure_confirmations: str = topics.ERASURE_CONFIRMATIONS
    erasure_consumer_group: str = "roster-erasure-confirmations"
    # A full sync that would deactivate more than this share of the area's active members of the
    # list's kind needs a second officer's confirmation besides the uploader's.
    full_sync_second_officer_above: float = Field(default=0.10, ge=0, le=1)
    # How long a full sync's review waits for its confirmations before it expires.
    full_sync_confirm_within: timedelta = timedelta(hours=24)
    # An import's rejected rows (which can hold phone numbers) are kept as written, for the clerk
    # to download, fix and upload again, this long after the import; then only their reasons.
    import_rejected_rows_kept: timedelta = Field(default=timedelta(days=7), ge=timedelta(hours=1))

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
    # OpenID Connect, a second way in for officers where the state runs a single sign-on (issue
    # 16 item 6; api/oidc.py). Off while the issuer, the client id or the secret is unset.
    # The issuer's discovery document is `<issuer>/.well-known/openid-configuration`.
    oidc_issuer: AnyHttpUrl | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: Annotated[SecretStr | None, Secret(min_length=16, optional=True)] = None
    # Where the provider sends the officer back: this roster's /api/v1/auth/oidc/callback at the
    # one origin, registered with the provider exactly so.
    oidc_redirect_url: AnyHttpUrl | None = None
    # How a signed-in person is found on the roster: `personnel_no` takes the claim named by
    # `oidc_member_claim` as the personnel number of the HR export; `phone_number` takes the
    # standard claim, only with `phone_number_verified` true, as a WhatsApp or SMS number.
    oidc_match: Literal["personnel_no", "phone_number"] = "personnel_no"
    oidc_member_claim: str = Field(default="employee_id", min_length=1, max_length=100)
    oidc_scope: str = "openid profile"
    # The button's text on the sign-in page.
    oidc_name_hi: str = Field(default="राज्य एकल साइन-ऑन", max_length=80)
    oidc_name_en: str = Field(default="State single sign-on", max_length=80)
    # Where the browser goes after the callback: the sign-in page continues with the ticket.
    # Unset: the roster's `/sign-in` under the prefix the redirect URL shows (`/roster/sign-in`
    # behind the one origin's proxy; domain/oidc.py paths_of).
    oidc_sign_in_page: str | None = Field(default=None, pattern=r"^/[^/\\]")
    # Time allowed between the start and the provider's answer.
    oidc_state_lifetime: timedelta = Field(default=timedelta(minutes=10), gt=timedelta(0))
    # Clock skew allowed on the ID token's exp and iat.
    oidc_leeway: timedelta = timedelta(seconds=60)
    # The push services a field app's subscription may point at (the publisher will POST to the
    # endpoint, so an arbitrary URL would be a request forgery): the browsers' own services;
    # `*.` allows that domain's subdomains. The local stack and tests add the fake's origin.
    push_service_origins: tuple[str, ...] = (
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://*.push.apple.com",
        "https://*.notify.windows.com",
    )
    push_subscriptions_max: int = Field(default=5, ge=1, le=10)  # devices per member

    @field_validator(
        "oidc_issuer", "oidc_client_id", "oidc_client_secret", "oidc_redirect_url", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Compose passes an unset optional variable as an empty string: that means off."""
        return None if value == "" else value

    @property
    def oidc_enabled(self) -> bool:
        return bool(
            self.oidc_issuer
            and self.oidc_client_id
            and self.oidc_client_secret
            and self.oidc_redirect_url
        )

    @property
    def dev_sign_in(self) -> bool:
        return self.development

    def signing_key_sealer(self) -> Sealer:
        """Seals new signing keys under the KEK; opens those sealed under a previous one too."""
        keks = (self.signing_key_kek, *self.signing_key_previous_keks)
        return Sealer(derived_keys([k.get_secret_value() for k in keks]))
