"""Prometheus metrics of the social-publisher (`/metrics`)."""

from __future__ import annotations

from nazar_contracts.directives import Priority
from nazar_contracts.dispatch import Channel
from nazar_platform.observability.metrics import at_zero
from prometheus_client import Counter, Gauge, Histogram

from social_publisher.domain.consent import REFUSAL_TITLES
from social_publisher.domain.push import PushReaction
from social_publisher.domain.reconcile import Verdict

SENDS = Counter(
    "nazar_publisher_sends_total", "Messages accepted by a provider", ["channel", "priority"]
)
FAILURES = Counter(
    "nazar_publisher_failures_total",
    "Provider errors and refusals, by code and what was done about them",
    ["channel", "code", "reaction"],
)
PROVIDER_LATENCY = Histogram(
    "nazar_publisher_provider_seconds",
    "Provider API call latency",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOK_LAG = Histogram(
    "nazar_publisher_webhook_lag_seconds",
    "Time from a provider event (its timestamp) to its processing here",
    ["channel", "kind"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400),
)
WEBHOOKS = Counter(
    "nazar_publisher_webhooks_total", "Webhook requests", ["channel", "outcome"]
)  # outcome: accepted | bad_signature | malformed | error
WEBHOOK_EVENTS = Counter(
    "nazar_publisher_webhook_events_total",
    "Statuses and messages in webhooks",
    ["channel", "kind", "outcome"],  # outcome: applied | duplicate | stale | unknown
)
POSSIBLE_DUPLICATES = Counter(
    "nazar_publisher_possible_duplicates_total",
    "Resends of intents that had no answer: the member may get the message twice",
    ["channel"],
)
RECEIPTS = Counter("nazar_publisher_receipts_total", "Receipts published", ["status"])
REFUSALS = Counter("nazar_publisher_refusals_total", "Deliveries refused before sending", ["code"])
RATE_LIMIT = Gauge("nazar_publisher_rate_limit", "Current messages/s limit", ["sender"])
RATE_SENT = Gauge("nazar_publisher_rate_sent", "Sends in the last window", ["sender"])
SENDER_OWNED = Gauge(
    "nazar_publisher_sender_owned",
    "1 while this instance holds the number's lease and paces it (one instance per number)",
    ["sender"],
)
HANDED_BACK = Counter(
    "nazar_publisher_handed_back_total",
    "Jobs for a number another instance owns, handed to it through the database",
    ["sender"],
)
THROTTLED = Counter(
    "nazar_publisher_throttled_total", "Throughput errors (130429 / 429)", ["sender"]
)
QUOTA_USED = Gauge("nazar_publisher_quota_used", "Unique members messaged in the rolling 24 h")
QUOTA_LIMIT = Gauge("nazar_publisher_quota_limit", "The portfolio's rolling 24 h messaging limit")
QUOTA_WARNING = Gauge(
    "nazar_publisher_quota_warning", "1 while the quota use is above the warning ratio"
)
QUOTA_DEFERRED = Counter(
    "nazar_publisher_quota_deferred_total", "Deliveries deferred because the quota is used up"
)
CHANNEL_STATE = Gauge(
    "nazar_publisher_channel_up", "1 when the channel sends, 0 when paused or down", ["channel"]
)
CHANNEL_ALERT = Gauge(
    "nazar_publisher_channel_alert",
    "1 while a channel needs a person (e.g. the access token expired)",
    ["channel", "reason"],
)
QUEUE_DEPTH = Gauge(
    "nazar_publisher_queue_depth", "Deliveries waiting in Kafka (consumer lag)", ["priority"]
)
CODES = Counter(
    "nazar_publisher_codes_total",
    "Sign-in codes the sender tried, by channel and outcome",
    # outcome: sent | failed | unknown (no answer) | channel_down | fallback_sms (WhatsApp
    # closed or refused it: its OTP SMS went instead)
    ["channel", "outcome"],
)
CODES_DROPPED = Counter(
    "nazar_publisher_codes_dropped_total",
    "Sign-in codes not sent at all, by reason",
    ["reason"],  # reason: expired | no_contact | synthetic
)
CODE_STATUSES = Counter(
    "nazar_publisher_code_statuses_total",
    "Providers' statuses of sign-in code messages, by channel and status",
    ["channel", "status"],  # status: sent | delivered | read | failed
)
SMS_SEGMENTS = Counter("nazar_publisher_sms_segments_total", "SMS parts sent", ["encoding"])

# --- Social publishing (issue 14): the per-account queue ---------------------------------------
SOCIAL_POSTS = Counter(
    "nazar_publisher_social_posts_total",
    "Posts by how they ended: posted, reconciled (an unclear call found posted), failed, withdrawn",
    ["network", "account", "outcome"],
)
SOCIAL_FAILURES = Counter(
    "nazar_publisher_social_failures_total",
    "Networks' errors to a post or a withdrawal, by provider code",
    ["network", "account", "code"],
)
SOCIAL_QUEUE_DEPTH = Gauge(
    "nazar_publisher_social_queue_depth",
    "Unfinished posts of an account (queued, in flight, unclear, being withdrawn)",
    ["network", "account"],
)
SOCIAL_TIME_TO_PUBLISH = Histogram(
    "nazar_publisher_social_time_to_publish_seconds",
    "From the request (its requested_at) to the network's acceptance",
    ["network"],
    buckets=(1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 4 * 3600, 86400),
)
SOCIAL_QUOTA_LEFT = Gauge(
    "nazar_publisher_social_quota_left",
    "Posts the account may still make now (the network's quota and our daily cap)",
    ["network", "account"],
)
SOCIAL_TOKEN_DAYS = Gauge(
    "nazar_publisher_social_token_days_to_expiry",
    "Days until the account's access token expires",
    ["network", "account"],
)
SOCIAL_ACCOUNT_STOPPED = Gauge(
    "nazar_publisher_social_account_stopped",
    "1 while the account is stopped (a person must reconnect or unblock it)",
    ["network", "account"],
)
SOCIAL_RECONCILED = Counter(
    "nazar_publisher_social_reconciliations_total",
    "Unclear calls checked against the account's posts: posted, not_posted, wait",
    ["network", "account", "verdict"],
)
SOCIAL_INTERRUPTED = Counter(
    "nazar_publisher_social_interrupted_total",
    "Attempts found open at start (the process died during the call)",
    ["network", "account"],
)
SOCIAL_DRIVING = Gauge(
    "nazar_publisher_social_driving",
    "1 while this process drives the account's queue (holds its lock)",
    ["account"],
)

# --- Facebook ------------------------------------------------------------------------------------
FACEBOOK_USAGE = Gauge(
    "nazar_publisher_facebook_usage_percent",
    "The highest share of a Graph API limit used by the Page, from X-App-Usage and "
    "X-Business-Use-Case-Usage (Meta throttles at 100)",
    ["account"],
)

# The media store (issue 14): creatives fetched from story-intake and kept for the networks.
MEDIA_FETCHES = Counter(
    "nazar_publisher_media_fetches_total",
    "Creatives asked of the media store, by outcome (fetched, kept, expired, mismatch, failed)",
    ["outcome"],
)
MEDIA_FILES_DELETED = Counter(
    "nazar_publisher_media_files_deleted_total", "Kept media files deleted by the retention sweep"
)
MEDIA_BYTES = Gauge("nazar_publisher_media_bytes", "Bytes of media files kept")
INSTAGRAM_CALLS = Counter(
    "nazar_publisher_instagram_calls_total",
    "Calls to the Instagram Graph API, by step and outcome",
    ["step", "outcome"],
)

# --- X -----------------------------------------------------------------------------------------
X_TOKEN_REFRESHES = Counter(
    "nazar_publisher_x_token_refreshes_total",
    "X OAuth 2.0 token refreshes, by outcome",
    ["outcome"],  # refreshed | already_fresh (another process did it) | revoked | failed
)


PUSHES = Counter(
    "nazar_publisher_pushes_total",
    "Web Push requests by what the push service's answer means (domain.push)",
    ["reaction"],
)

# Label values known in advance start at 0 on /metrics (nazar_platform's `at_zero`): "none yet"
# is a value on the channels and publishing dashboards, not "No data". Accounts are known only
# from the database: `known_account` is called for each by the social queue's gauges.
CHANNELS = [str(c) for c in Channel]
at_zero(SENDS, channel=CHANNELS, priority=[str(p) for p in Priority])
at_zero(PROVIDER_LATENCY, channel=CHANNELS)
at_zero(PUSHES, reaction=[str(r) for r in PushReaction])
at_zero(WEBHOOKS, channel=CHANNELS, outcome=("accepted", "bad_signature", "malformed", "error"))
at_zero(POSSIBLE_DUPLICATES, channel=CHANNELS)
at_zero(REFUSALS, code=REFUSAL_TITLES)
at_zero(CODES, channel=CHANNELS, outcome=("sent", "failed", "unknown", "channel_down"))
at_zero(CODES, channel=["whatsapp"], outcome=["fallback_sms"])
at_zero(CODES_DROPPED, reason=("expired", "no_contact", "synthetic"))
at_zero(CODE_STATUSES, channel=CHANNELS, status=("sent", "delivered", "read", "failed"))
at_zero(SMS_SEGMENTS, encoding=("gsm7", "ucs2"))
at_zero(MEDIA_FETCHES, outcome=("fetched", "kept", "expired", "mismatch", "failed"))
at_zero(X_TOKEN_REFRESHES, outcome=("refreshed", "already_fresh", "revoked", "failed"))


def known_account(network: str, account: str) -> None:
    """An account's counters at 0 from when the publisher first reads it."""
    at_zero(
        SOCIAL_POSTS,
        network=[network],
        account=[account],
        outcome=("posted", "reconciled", "failed", "withdrawn"),
    )
    at_zero(
        SOCIAL_RECONCILED,
        network=[network],
        account=[account],
        verdict=[str(v) for v in Verdict],
    )
    at_zero(SOCIAL_INTERRUPTED, network=[network], account=[account])
    at_zero(SOCIAL_TIME_TO_PUBLISH, network=[network])
