"""The roster's own Prometheus metrics (the platform's outbox and consumer metrics come along)."""

from __future__ import annotations

from nazar_platform.observability.metrics import at_zero
from prometheus_client import Counter, Histogram

from roster.domain.oidc import Refusal
from roster.domain.passkeys import Failure
from roster.domain.rows import ImportKind
from roster.domain.sign_in import Verdict

IMPORT_ROWS = Counter(
    "nazar_roster_import_rows_total", "CSV rows imported", ["kind", "outcome"]
)  # outcome: accepted | rejected
IMPORT_SECONDS = Histogram(
    "nazar_roster_import_seconds",
    "Time to validate and apply one import",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 20, 40, 80),
)
OPT_OUTS = Counter("nazar_roster_opt_outs_total", "Consent withdrawals from STOP replies")
# Sign-in (issue 16). "withheld": no code went out (not on the roster, or may not sign in); the
# caller got the same answer as for "sent".
SIGN_IN_CODES = Counter(
    "nazar_roster_sign_in_codes_total", "Sign-in codes asked for", ["outcome"]
)  # outcome: sent | withheld
SIGN_IN_VERIFICATIONS = Counter(
    "nazar_roster_sign_in_verifications_total", "Codes checked, by verdict", ["outcome"]
)  # outcome: verified | wrong | locked | expired | used | unknown
SIGN_IN_LOCKOUTS = Counter(
    "nazar_roster_sign_in_lockouts_total", "Sign-ins locked after the last wrong code"
)
SIGN_IN_RATE_LIMITED = Counter(
    "nazar_roster_sign_in_rate_limited_total", "Code requests refused by a limit", ["limit"]
)  # limit: phone | address | global

# Issue 16, item 2: the token step.
TOKENS_ISSUED = Counter(
    "nazar_roster_tokens_issued_total", "Access tokens signed", ["grant_type"]
)  # grant_type: ticket | refresh_token
TOKEN_REFUSALS = Counter("nazar_roster_token_refusals_total", "Token requests refused", ["reason"])
REFRESH_REUSE = Counter(
    "nazar_roster_refresh_reuse_total", "Refresh tokens presented again (family revoked)"
)
REFRESH_REVOCATIONS = Counter(
    "nazar_roster_refresh_revocations_total", "Refresh families revoked by a request", ["why"]
)
SIGNING_KEY_ROTATIONS = Counter("nazar_roster_signing_key_rotations_total", "Signing keys added")

# Issue 16, item 3: passkeys. Sign-ins are TOKENS_ISSUED{grant_type="ticket"}, their failures by
# reason SIGN_IN_VERIFICATIONS{outcome} and TOKEN_REFUSALS{reason}, codes by channel
# SIGN_IN_CODES_SENT{channel}, lockouts SIGN_IN_LOCKOUTS.
SIGN_IN_CODES_SENT = Counter(
    "nazar_roster_sign_in_codes_sent_total", "Sign-in codes sent, by channel", ["channel"]
)  # channel: whatsapp | sms
PASSKEY_REGISTRATIONS = Counter(
    "nazar_roster_passkey_registrations_total", "Passkeys registered", ["where"]
)  # where: sign_in | account
PASSKEY_VERIFICATIONS = Counter(
    "nazar_roster_passkey_verifications_total", "Sign-ins confirmed with a registered passkey"
)
PASSKEY_FAILURES = Counter(
    "nazar_roster_passkey_failures_total", "Passkey answers refused", ["reason"]
)  # reason: roster.domain.passkeys.Failure
PASSKEY_RESETS = Counter(
    "nazar_roster_passkey_resets_total", "Members' passkeys reset by an officer"
)
# Issue 16, item 6: sign-ins through the state's single sign-on (OpenID Connect).
OIDC_SIGN_INS = Counter(
    "nazar_roster_oidc_sign_ins_total", "OpenID Connect callbacks, by outcome", ["outcome"]
)  # outcome: signed_in | state_invalid | provider_error | token_invalid | no_claim | unknown |
#   volunteer | inactive

# Label values known in advance start at 0 on /metrics (nazar_platform's `at_zero`): "none yet"
# is a value on the sign-in dashboard, not "No data".
at_zero(IMPORT_ROWS, kind=[str(k) for k in ImportKind], outcome=("accepted", "rejected"))
at_zero(IMPORT_SECONDS, kind=[str(k) for k in ImportKind])
at_zero(SIGN_IN_CODES, outcome=("sent", "withheld"))
at_zero(SIGN_IN_VERIFICATIONS, outcome=[str(v) for v in Verdict])
at_zero(SIGN_IN_RATE_LIMITED, limit=("phone", "address", "global"))
at_zero(SIGN_IN_CODES_SENT, channel=("whatsapp", "sms"))
at_zero(TOKENS_ISSUED, grant_type=("ticket", "refresh_token"))
# The problem codes of handlers/sessions.py's TokenRefusedError.
at_zero(
    TOKEN_REFUSALS,
    reason=(
        "auth.ticket_invalid", "auth.ticket_used", "auth.ticket_expired",
        "auth.passkey_required", "auth.refresh_invalid", "auth.refresh_revoked",
        "auth.refresh_reused", "auth.refresh_expired", "auth.no_grants",
    ),
)  # fmt: skip
at_zero(REFRESH_REVOCATIONS, why=("reuse", "sign_out"))
at_zero(PASSKEY_REGISTRATIONS, where=("sign_in", "account"))
at_zero(PASSKEY_FAILURES, reason=[str(f) for f in Failure])
at_zero(OIDC_SIGN_INS, outcome=["signed_in", *(str(r) for r in Refusal)])
