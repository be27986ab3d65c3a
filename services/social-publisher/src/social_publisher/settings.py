"""Settings of the social-publisher, from `NAZAR_*` environment variables.

Switching from the fakes to the real providers is configuration only: point
`NAZAR_WHATSAPP_BASE_URL` at `https://graph.facebook.com`, set the real phone number ids, token,
app secret and verify token, the SMS gateway's URL, key and DLT registrations, and leave
`NAZAR_ALLOW_SYNTHETIC` false.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from nazar_contracts import topics
from nazar_platform.auth.code_keys import CodeKeySettings
from nazar_platform.config.secrets import Secret
from nazar_platform.config.settings import PlatformSettings
from pydantic import BaseModel, Field, SecretStr

from social_publisher.domain.social import Network

# Provider credentials: no default works anywhere (an empty key never verifies a webhook), and
# outside local and test each must be set (nazar_platform.config.secrets). Meta's app secret is
# 32 hex digits and its system-user tokens far longer; the verify token (ours) and the SMS
# gateway's key and webhook secret need at least 16 characters.
ProviderToken = Annotated[SecretStr, Secret(min_length=32)]
OurSecret = Annotated[SecretStr, Secret(min_length=16)]


class SocialAccountSetting(BaseModel):
    """One official account (the state's now; district accounts later). Its tokens are not here:
    they are stored encrypted in `social_accounts`, seeded once from `social_seed_tokens`."""

    account_id: str = Field(pattern=r"^[a-z0-9-]{1,100}$")  # ours: "x-state"
    network: Network
    name: str  # how the cell reads it: "Rajasthan Police (@PoliceRajasthan)"
    provider_account_id: str  # X user id, Facebook page id, Instagram user id
    handle: str  # X handle, page or Instagram user name, for public URLs
    daily_cap: int | None = Field(default=None, ge=1)  # our own cap of posts a day


class PublisherSettings(PlatformSettings, CodeKeySettings):
    service_name: str = "social-publisher"
    # Small outbox batches: encoding one runs without a pause, and the pacer must not wait long.
    outbox_batch_size: int = 500
    # Webhooks arrive many at once (Meta posts concurrently), beside the send path's writers.
    database_pool_max: int = 20
    http_port: int = 19103
    public_base_url: str = "http://127.0.0.1:19103"
    # Where a template or SMS links when a delivery carries no inbox link of its own.
    inbox_fallback_url: str = "https://nazar.rajasthan.gov.in/inbox"

    # Its own database on the server of NAZAR_PG_DSN, unless NAZAR_DATABASE_URL is set (the
    # stack creates `nazar_publisher`).
    database_name: str | None = "nazar_publisher"

    # Topic names come from here so that a test can point the service at its own topics.
    topic_deliveries: str = topics.DISPATCH_DELIVERIES
    topic_deliveries_flash: str = topics.DISPATCH_DELIVERIES_FLASH
    topic_receipts: str = topics.DISPATCH_RECEIPTS
    topic_replies: str = topics.DISPATCH_REPLIES
    topic_contacts: str = topics.ROSTER_CONTACTS
    # Contacts erased (tombstones), confirmed to the roster through the outbox.
    topic_erasure_confirmations: str = topics.ERASURE_CONFIRMATIONS
    topic_auth_codes: str = topics.AUTH_CODES
    consumer_group: str = "social-publisher"

    # WhatsApp Business Cloud API.
    whatsapp_base_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v23.0"
    whatsapp_phone_number_ids: list[str] = Field(default_factory=lambda: ["100000000000001"])
    whatsapp_token: ProviderToken = SecretStr("")
    whatsapp_app_secret: ProviderToken = SecretStr("")
    whatsapp_verify_token: OurSecret = SecretStr("")
    whatsapp_template: str = "nazar_message"
    # The authentication template (category AUTHENTICATION, copy-code button) of sign-in codes,
    # approved in Hindi and English.
    whatsapp_auth_template: str = "nazar_sign_in_code"
    whatsapp_mps_cap: int = Field(default=80, ge=1, le=1000)
    # The limiter counts sends over a window slightly longer than 1 s: a request starts here a
    # little before it arrives at the provider, by an amount that varies with CPU load. Measured
    # (tests/chaos/test_publisher_scale.py, 2026-12-05, two instances, cap 1,000/s): with 30 ms
    # the provider's busiest second saw 1,003-1,004 arrivals in 2 runs of 3; with 45 ms 1,000 in
    # 3 of 3, at 95.6% of the cap sustained (the window bounds the rate at cap / 1.045).
    whatsapp_window_margin: timedelta = Field(
        default=timedelta(milliseconds=45), ge=timedelta(0), le=timedelta(milliseconds=500)
    )
    # Starts are spaced evenly at this share of a number's limit (domain.pacing.Spacer): the rest
    # is headroom for jitter between our starts and the provider's arrivals, and for sign-in codes
    # sent by an instance that does not own the number.
    pace_share: float = Field(default=0.975, gt=0.5, le=1)
    # Several instances: each sender number is owned by one (workers.leases). An instance tries to
    # take an unowned number this often, and checks its leases' connections this often (a check
    # slower than the timeout drops the number).
    lease_retry: timedelta = Field(default=timedelta(seconds=1), gt=timedelta(0))
    lease_ping: timedelta = Field(default=timedelta(milliseconds=500), gt=timedelta(0))
    lease_ping_timeout: timedelta = Field(default=timedelta(seconds=1), gt=timedelta(0))
    # The portfolio's quota is shared through the database: each instance writes its new members
    # and reads the total this often (instances together exceed the limit by at most what the
    # others add in one interval).
    quota_sync_interval: timedelta = Field(default=timedelta(seconds=1), gt=timedelta(0))
    # After a throughput error (130429 / 429) the number's limit is multiplied by this. Our window
    # already holds the cap, so an error means our clock and the provider's disagree by a little
    # (jitter), not that we were far too fast: a small cut, plus a wider window (learned).
    whatsapp_throttle_factor: float = Field(default=0.9, gt=0, le=1)
    whatsapp_portfolio_limit: int = 100_000
    quota_warn_ratio: float = 0.8
    body_parameter_limit: int = 700
    interactive_body_limit: int = 1024
    # A member's own message opens a 24 h window for free-form messages; keep a safety margin.
    service_window: timedelta = timedelta(hours=23, minutes=30)

    # SMS gateway (DLT).
    sms_base_url: str = "http://127.0.0.1:19202"
    sms_api_key: OurSecret = SecretStr("")
    sms_webhook_secret: OurSecret = SecretStr("")
    sms_entity_id: str = "1101000000000000000"
    sms_sender: str = "RJPOLC"
    sms_template_ids: dict[str, str] = Field(
        default_factory=lambda: {"hi": "1107000000000000001", "en": "1107000000000000002"}
    )
    sms_templates: dict[str, str] = Field(
        default_factory=lambda: {
            "hi": "{#var#}: {#var#}. उत्तर में {#var#} भेजें. पूरा संदेश {#url#}",
            "en": "{#var#}: {#var#}. Reply {#var#}. Full message {#url#}",
        }
    )
    sms_who: dict[str, str] = Field(
        default_factory=lambda: {"hi": "राजस्थान पुलिस", "en": "Rajasthan Police"}
    )
    # The DLT OTP template of sign-in codes (registered as a service-implicit OTP template): the
    # code is its only variable.
    sms_otp_template_ids: dict[str, str] = Field(
        default_factory=lambda: {"hi": "1107000000000000003", "en": "1107000000000000004"}
    )
    sms_otp_templates: dict[str, str] = Field(
        default_factory=lambda: {
            "hi": "{#numeric#} नज़र में साइन-इन का आपका कोड है. इसे किसी को न बताएं. -राजस्थान पुलिस",
            "en": "{#numeric#} is your Nazar sign-in code. Do not share it. -Rajasthan Police",
        }
    )
    sms_mps_cap: int = Field(default=100, ge=1, le=1000)

    # Sending. Durations are `timedelta`, like every service's: in the environment, ISO 8601
    # ("PT0.25S", "PT10M").
    allow_synthetic: bool = False
    http_timeout: timedelta = timedelta(seconds=15)
    max_in_flight: int = 256
    batch_max: int = 500
    queue_max: int = 2000
    retry_base: timedelta = timedelta(seconds=2)
    retry_cap: timedelta = timedelta(minutes=5)
    retry_max_attempts: int = 6
    back_off_base: timedelta = timedelta(minutes=1)
    recipient_hold: timedelta = timedelta(seconds=6)
    # One send per delivery: how long an unanswered intent waits for a status webhook.
    answer_wait: timedelta = timedelta(minutes=10)
    sweep_interval: timedelta = timedelta(seconds=5)
    retry_poll_interval: timedelta = timedelta(milliseconds=250)
    outage_threshold: int = 5
    outage_probe_max: timedelta = timedelta(seconds=10)
    token_probe_interval: timedelta = timedelta(minutes=1)

    # --- Social publishing (issue 14): the accounts, the queue ---------------------------------
    topic_publish_requests: str = topics.PUBLISH_REQUESTS
    topic_publish_results: str = topics.PUBLISH_RESULTS
    social_accounts: list[SocialAccountSetting] = Field(default_factory=list)
    # Fernet key (urlsafe base64 of 32 bytes) for the tokens at rest; rotate by re-encrypting.
    social_token_key: OurSecret = SecretStr("")
    # account id -> {"access_token", "refresh_token"?, "expires_at"?}: written into an account
    # that has no tokens yet (the local stack, and a first deployment before the OAuth flow).
    social_seed_tokens: dict[str, dict[str, str]] = Field(default_factory=dict, repr=False)
    # The queue. network -> the account its posts go to (default: the network's first account).
    social_default_accounts: dict[str, str] = Field(default_factory=dict)
    # Transient failures: back-off from base doubling to cap, ± jitter; failed (retryable) after
    # max attempts. Rate limits and a stopped account do not use up a post's attempts.
    social_retry_base: timedelta = timedelta(seconds=30)
    social_retry_cap: timedelta = timedelta(minutes=30)
    social_retry_max_attempts: int = Field(default=5, ge=1)
    social_retry_jitter: float = Field(default=0.2, ge=0, lt=1)
    # How long after an unclear call a post missing from the account's timeline is taken as not
    # posted (networks show a new post after a moment), and the clocks' allowed difference.
    social_reconcile_settle: timedelta = timedelta(seconds=30)
    social_clock_skew: timedelta = timedelta(minutes=2)
    # The daily cap counts posts per calendar day in this zone.
    social_day_zone: str = "Asia/Kolkata"
    # Facebook publishes scheduled posts itself 10 minutes to 30 days ahead (Graph API
    # `scheduled_publish_time`); other networks' scheduled posts wait in the queue. A minute over
    # Meta's 10: a post handed over at 10 minutes ahead would be refused by the time it arrives
    # (the client checks the same window before calling).
    social_schedule_min_lead: timedelta = timedelta(minutes=11)
    social_schedule_max_lead: timedelta = timedelta(days=30)
    social_poll_interval: timedelta = timedelta(seconds=1)
    social_gauge_interval: timedelta = timedelta(seconds=15)

    # --- X (API v2) -----------------------------------------------------------------------------
    x_api_base_url: str = "https://api.x.com"
    x_authorize_url: str = "https://x.com/i/oauth2/authorize"
    x_client_id: str = ""
    # A confidential client's secret (HTTP Basic at the token endpoint).
    x_client_secret: OurSecret = SecretStr("")
    # Where X sends the cell back after authorizing; registered in the app's settings on X.
    x_redirect_url: str = "http://127.0.0.1:19103/oauth/x/callback"
    # docs.x.com, "OAuth 2.0 Authorization Code Flow with PKCE", scopes: post, read back, upload
    # media, and offline.access for a refresh token.
    x_scopes: list[str] = Field(
        default_factory=lambda: [
            "tweet.read",
            "tweet.write",
            "users.read",
            "media.write",
            "offline.access",
        ]
    )
    # Access tokens last about two hours: refresh when less than this is left.
    x_refresh_margin: timedelta = timedelta(minutes=15)
    x_refresh_interval: timedelta = timedelta(minutes=1)
    # An authorize round trip (state + code_verifier kept server-side, one use).
    x_oauth_state_ttl: timedelta = timedelta(minutes=10)
    # Media: simple upload for images up to 5 MB, chunked (INIT/APPEND/FINALIZE) beyond and for
    # video, in segments of at most 5 MB (docs.x.com, media upload).
    x_simple_upload_max: int = 5 * 1024 * 1024
    x_chunk_size: int = Field(default=4 * 1024 * 1024, ge=1, le=5 * 1024 * 1024)
    x_media_processing_max: timedelta = timedelta(minutes=5)

    # --- Facebook Pages (Graph API) -------------------------------------------------------------
    # Pages' tokens are the accounts' (social_accounts, sealed in the database), not settings.
    facebook_base_url: str = "https://graph.facebook.com"
    facebook_api_version: str = "v23.0"
    facebook_http_timeout: timedelta = Field(
        default=timedelta(seconds=30), gt=timedelta(0), le=timedelta(minutes=5)
    )
    # Meta's usage headers give a share of the limit, not a count: from this share (percent) the
    # client asks the queue to leave a growing gap between a Page's calls, up to the maximum at
    # 100 %, rather than run into a block that lasts as long as Meta decides.
    facebook_slow_from_percent: int = Field(default=75, ge=0, le=99)
    facebook_max_gap: timedelta = Field(default=timedelta(minutes=5), ge=timedelta(0))

    # --- Instagram (Graph API content publishing) -----------------------------------------------
    # graph.facebook.com for an IG user reached through Facebook Login (our case: a Page-linked
    # professional account); graph.instagram.com for Business Login for Instagram.
    instagram_base_url: str = "https://graph.facebook.com"
    instagram_api_version: str = "v23.0"
    # At most this many hashtags in a caption: Instagram's own limit is 5 since December 2025.
    instagram_hashtag_limit: int = Field(default=5, ge=0, le=30)
    # Polling a container's status_code: first wait, doubling up to the cap, for at most `timeout`.
    instagram_poll_initial: timedelta = Field(default=timedelta(seconds=1), gt=timedelta(0))
    instagram_poll_max: timedelta = Field(default=timedelta(seconds=15), gt=timedelta(0))
    instagram_poll_timeout: timedelta = Field(default=timedelta(minutes=5), gt=timedelta(0))
    # When the rolling 24 h publishing quota is used up (or 80002 / 2207042 answered), the queue
    # waits this long before it asks again: the quota frees as the oldest posts age out.
    instagram_quota_wait: timedelta = Field(default=timedelta(hours=1), gt=timedelta(0))
    instagram_rate_wait: timedelta = Field(default=timedelta(minutes=15), gt=timedelta(0))

    # --- The publisher's media store (every network) ----------------------------------------------
    # Creatives fetched from story-intake's signed URLs, verified, kept under their SHA-256.
    media_dir: Path = Path(".state/publisher-media")
    media_fetch_timeout: timedelta = Field(default=timedelta(seconds=30), gt=timedelta(0))
    media_fetch_max_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    # Our own signed, expiring URLs (`GET /media/{sha256}?token=`) under `public_base_url`, which
    # Instagram fetches `image_url` from: signed with the key, verified with it or a previous one.
    public_media_key: Annotated[SecretStr, Secret(min_length=32)] = SecretStr("")
    public_media_previous_keys: Annotated[
        tuple[SecretStr, ...], Secret(min_length=32, optional=True)
    ] = ()
    # Instagram fetches at container creation; a day covers polling and a retry after an outage.
    public_media_ttl: timedelta = Field(default=timedelta(days=1), gt=timedelta(0))
    # A file no post needs any more (its post finished, or it was fetched this long ago without
    # being released) is deleted after `media_retention`, by one replica, every interval.
    media_retention: timedelta = Field(default=timedelta(days=7), ge=timedelta(0))
    media_hold_max: timedelta = Field(default=timedelta(days=30), gt=timedelta(0))
    media_retention_interval: timedelta = Field(default=timedelta(hours=1), gt=timedelta(0))

    @property
    def public_media_keys(self) -> tuple[bytes, ...]:
        """The signing key first, then the previous keys URLs are still verified with."""
        keys = (self.public_media_key, *self.public_media_previous_keys)
        return tuple(k.get_secret_value().encode() for k in keys)
