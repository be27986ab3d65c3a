"""Label values known in advance are on /metrics at 0 from a service's start (issue 18, item 4):
a panel about something that has not happened yet shows 0, not "No data".

Each service's metrics are read as Prometheus would scrape them from a fresh process that has
only imported them (as a service does at start), so nothing else in the test session counts.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from nazar_platform.observability.metrics import at_zero
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.parser import text_string_to_metric_families

# What a fresh process exposes, per module that sets its known values: a sample of the series
# each must have at 0 (series name, labels).
EXPECTED: dict[str, list[tuple[str, dict[str, str]]]] = {
    "nazar_platform.observability.metrics": [
        ("nazar_outbox_failures_total", {"reason": "kafka"}),
        ("nazar_idempotency_total", {"outcome": "conflict"}),
        ("nazar_audit_recorded_total", {"outcome": "failed"}),
    ],
    "roster.metrics": [
        ("nazar_roster_import_rows_total", {"kind": "volunteers", "outcome": "rejected"}),
        ("nazar_roster_sign_in_verifications_total", {"outcome": "locked"}),
        ("nazar_roster_sign_in_rate_limited_total", {"limit": "global"}),
        ("nazar_roster_tokens_issued_total", {"grant_type": "refresh_token"}),
        ("nazar_roster_token_refusals_total", {"reason": "auth.refresh_reused"}),
        ("nazar_roster_refresh_revocations_total", {"why": "sign_out"}),
        ("nazar_roster_passkey_registrations_total", {"where": "account"}),
        ("nazar_roster_passkey_failures_total", {"reason": "sign_count"}),
        ("nazar_roster_oidc_sign_ins_total", {"outcome": "provider_error"}),
        ("nazar_roster_sign_in_codes_sent_total", {"channel": "sms"}),
    ],
    "directive.metrics": [
        ("nazar_directives_issued_total", {"priority": "flash"}),
        ("nazar_directive_escalations_total", {"kind": "relay_overdue"}),
        ("nazar_directive_acknowledgements_total", {"via": "link"}),
        ("nazar_directive_alert_escalations_total", {"stage": "ig"}),
        ("nazar_directive_alert_outcomes_total", {"kind": "other", "outcome": "false_alarm"}),
        ("nazar_directive_alerts_total", {"kind": "cyber_fraud", "outcome": "joined"}),
        ("nazar_directive_campaign_link_requests_total", {"outcome": "unknown"}),
        ("nazar_directive_alert_since_raise_seconds_count", {"edge": "taken"}),
    ],
    "social_publisher.metrics": [
        ("nazar_publisher_sends_total", {"channel": "sms", "priority": "flash"}),
        ("nazar_publisher_refusals_total", {"code": "no_consent"}),
        ("nazar_publisher_codes_total", {"channel": "whatsapp", "outcome": "fallback_sms"}),
        ("nazar_publisher_codes_dropped_total", {"reason": "expired"}),
        ("nazar_publisher_possible_duplicates_total", {"channel": "whatsapp"}),
        ("nazar_publisher_sms_segments_total", {"encoding": "ucs2"}),
        ("nazar_publisher_x_token_refreshes_total", {"outcome": "revoked"}),
        ("nazar_publisher_media_fetches_total", {"outcome": "mismatch"}),
        ("nazar_publisher_webhooks_total", {"channel": "sms", "outcome": "bad_signature"}),
    ],
    "story_intake.api.alert_problems": [
        ("nazar_story_gate_blocks_total", {"rule": "aadhaar"}),
        ("nazar_story_gate_findings_total", {"rule": "child_permitted"}),
        ("nazar_story_gate_checks_total", {"verdict": "block"}),
        ("nazar_story_media_refused_total", {"kind": "alert_photo", "reason": "too_large"}),
        ("nazar_story_alerts_raised_total", {"kind": "road_accident", "urgency": "soon"}),
        ("nazar_story_alert_refusals_total", {"code": "alert.consent_missing"}),
    ],
}

SCRAPE = (
    "import importlib, sys; from prometheus_client import generate_latest; "
    "importlib.import_module(sys.argv[1]); sys.stdout.write(generate_latest().decode())"
)


def scrape_fresh(module: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """/metrics of a new process that imported `module`: {(series, labels): value}."""
    done = subprocess.run(
        [sys.executable, "-c", SCRAPE, module], capture_output=True, text=True, check=True
    )
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(done.stdout)
        for s in family.samples
    }


@pytest.mark.parametrize("module", sorted(EXPECTED))
def test_known_label_values_are_exposed_at_zero_from_the_start(module: str) -> None:
    exposed = scrape_fresh(module)
    missing = [
        (name, labels)
        for name, labels in EXPECTED[module]
        if exposed.get((name, frozenset(labels.items()))) != 0.0
    ]
    assert not missing, f"not on /metrics at 0 after importing {module}: {missing}"


def test_a_service_without_its_own_values_still_exposes_only_what_it_observed() -> None:
    # The platform alone knows no consumer, route or account: those series come when they do.
    exposed = scrape_fresh("nazar_platform.observability.metrics")
    assert not [k for k in exposed if k[0] == "nazar_dead_lettered_total"]
    assert not [k for k in exposed if k[0] == "nazar_http_requests_total"]


def test_at_zero_makes_every_combination_and_checks_the_label_names() -> None:
    counter = Counter("test_at_zero_total", "t", ["a", "b"], registry=None)
    at_zero(counter, b=("x", "y"), a=["1", "2", "3"])
    [family] = counter.collect()
    combos = {tuple(s.labels[k] for k in "ab") for s in family.samples}
    assert combos == {(a, b) for a in "123" for b in "xy"}
    assert {s.value for s in family.samples if s.name.endswith("_total")} == {0}
    histogram = Histogram("test_at_zero_seconds", "t", ["edge"], registry=None)
    at_zero(histogram, edge=["first"])
    [family] = histogram.collect()
    assert {s.labels["edge"] for s in family.samples} == {"first"}
    with pytest.raises(ValueError, match="labels"):
        at_zero(counter, a=["1"])
    with pytest.raises(ValueError, match="labels"):
        at_zero(counter, a=["1"], b=["x"], c=["?"])


def test_gauges_are_not_set_to_a_value_nobody_observed() -> None:
    gauge = Gauge("test_at_zero_up", "t", ["channel"], registry=None)
    with pytest.raises(TypeError):
        at_zero(gauge, channel=["sms"])  # type: ignore[arg-type]


def test_a_channel_gate_starts_with_its_alert_at_zero() -> None:
    # A gauge is set only by what knows the state: a gate starts open, so no person is needed.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from social_publisher.workers.gates import Gate; "
            "from prometheus_client import generate_latest; import sys; "
            "Gate('whatsapp', threshold=3, probe_max=30, pause_probe=60); "
            "Gate('sms', threshold=3, probe_max=30, pause_probe=60); "
            "sys.stdout.write(generate_latest().decode())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    alerts = {
        (s.labels["channel"], s.labels["reason"]): s.value
        for family in text_string_to_metric_families(done.stdout)
        for s in family.samples
        if s.name == "nazar_publisher_channel_alert"
    }
    assert alerts == {("whatsapp", "token_expired"): 0.0, ("sms", "credentials"): 0.0}
