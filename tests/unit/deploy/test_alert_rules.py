"""The alert rules fire when they should and stay quiet when they should not.

Each scenario feeds series to `promtool test rules` with deploy/prometheus/alerts.yml. The rules
are copied without their annotations: promtool compares annotations too, and their wording is not
what these tests pin (`promtool check rules` in test_monitoring checks that the templates parse).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deployfiles import PROMETHEUS_DIR, load_yaml
from tests.promtool import promtool

ROSTER_A = 'job="roster", instance="10.0.0.2:8000"'
ROSTER_B = 'job="roster", instance="10.0.0.3:8000"'
DIRECTIVE = 'job="directive", instance="10.0.0.4:8000"'
API = 'method="POST", route="/api/v1/members"'
PROBE = 'method="GET", route="/readyz"'
SCRAPE = 'method="GET", route="/metrics"'
STORY_A = 'job="story-intake", instance="10.0.0.5:8000"'
STORY_B = 'job="story-intake", instance="10.0.0.6:8000"'
PUBLISHER = 'job="social-publisher", instance="10.0.0.7:8000"'
KAFKA_1 = 'job="kafka", instance="10.0.0.8:9404"'
KAFKA_2 = 'job="kafka", instance="10.0.0.9:9404"'
WA_SENDS = f'nazar_publisher_sends_total{{{PUBLISHER}, channel="whatsapp", priority="routine"}}'
WA_FAILS = (
    f'nazar_publisher_failures_total{{{PUBLISHER}, channel="whatsapp", code="131048", '
    'reaction="retry"}'
)
SMS_SENDS = f'nazar_publisher_sends_total{{{PUBLISHER}, channel="sms", priority="routine"}}'


@dataclass(frozen=True)
class Scenario:
    name: str
    series: dict[str, str]
    alert: str
    at: str
    fires: list[dict[str, str]] = field(default_factory=list)


SCENARIOS = [
    Scenario(
        "relay inactive: no replica holds the lock for 2 minutes",
        {
            f"nazar_outbox_publisher_active{{{ROSTER_A}}}": "0x10",
            f"nazar_outbox_publisher_active{{{ROSTER_B}}}": "0x10",
            f"nazar_outbox_publisher_active{{{DIRECTIVE}}}": "1x10",
        },
        "NazarOutboxPublisherInactive",
        "5m",
        [{"job": "roster", "severity": "critical"}],
    ),
    Scenario(
        "relay inactive: a lock handed over between replicas is no alert",
        {
            f"nazar_outbox_publisher_active{{{ROSTER_A}}}": "1 1 1 0 0 0 0 0 0 0",
            f"nazar_outbox_publisher_active{{{ROSTER_B}}}": "0 0 0 0 1 1 1 1 1 1",
        },
        "NazarOutboxPublisherInactive",
        "8m",
    ),
    Scenario(
        "two relays for one service",
        {
            f"nazar_outbox_publisher_active{{{ROSTER_A}}}": "1x10",
            f"nazar_outbox_publisher_active{{{ROSTER_B}}}": "1x10",
        },
        "NazarOutboxPublisherDuplicated",
        "5m",
        [{"job": "roster", "severity": "critical"}],
    ),
    Scenario(
        "backlog growing on the active relay",
        {
            f"nazar_outbox_publisher_active{{{ROSTER_A}}}": "1x40",
            f"nazar_outbox_backlog{{{ROSTER_A}}}": "1000+100x40",
        },
        "NazarOutboxBacklogGrowing",
        "30m",
        [{"job": "roster", "severity": "warning"}],
    ),
    Scenario(
        "a large backlog that drains is no alert",
        {
            f"nazar_outbox_publisher_active{{{ROSTER_A}}}": "1x40",
            f"nazar_outbox_backlog{{{ROSTER_A}}}": "50000-1000x40",
        },
        "NazarOutboxBacklogGrowing",
        "30m",
    ),
    Scenario(
        "the stale backlog of a replica that lost the lock is ignored",
        {
            f"nazar_outbox_publisher_active{{{ROSTER_A}}}": "1x40",
            f"nazar_outbox_backlog{{{ROSTER_A}}}": "0x40",
            f"nazar_outbox_publisher_active{{{ROSTER_B}}}": "0x40",
            f"nazar_outbox_backlog{{{ROSTER_B}}}": "5000+100x40",
        },
        "NazarOutboxBacklogGrowing",
        "30m",
    ),
    Scenario(
        "events waiting two minutes",
        {
            f"nazar_outbox_publisher_active{{{DIRECTIVE}}}": "1x20",
            f"nazar_outbox_oldest_age_seconds{{{DIRECTIVE}}}": "120x20",
        },
        "NazarOutboxEventsDelayed",
        "10m",
        [{"job": "directive", "severity": "warning"}],
    ),
    Scenario(
        "events waiting two minutes are not yet stuck",
        {
            f"nazar_outbox_publisher_active{{{DIRECTIVE}}}": "1x20",
            f"nazar_outbox_oldest_age_seconds{{{DIRECTIVE}}}": "120x20",
        },
        "NazarOutboxEventsStuck",
        "10m",
    ),
    Scenario(
        "events stuck for more than ten minutes",
        {
            f"nazar_outbox_publisher_active{{{DIRECTIVE}}}": "1x20",
            f"nazar_outbox_oldest_age_seconds{{{DIRECTIVE}}}": "900+60x20",
        },
        "NazarOutboxEventsStuck",
        "10m",
        [{"job": "directive", "severity": "critical"}],
    ),
    Scenario(
        "relay failing for ten minutes",
        {f'nazar_outbox_failures_total{{{ROSTER_A}, reason="KafkaTimeoutError"}}': "0+5x30"},
        "NazarOutboxPublishFailing",
        "20m",
        [{"job": "roster", "reason": "KafkaTimeoutError", "severity": "warning"}],
    ),
    Scenario(
        "consumer lag that does not shrink",
        {
            f'nazar_consumer_lag{{{DIRECTIVE}, consumer="fanout", topic="directive.events.v1", '
            'partition="0"}': "5000x40",
        },
        "NazarConsumerLagNotShrinking",
        "35m",
        [
            {
                "job": "directive",
                "consumer": "fanout",
                "topic": "directive.events.v1",
                "severity": "warning",
            }
        ],
    ),
    Scenario(
        "a fan-out's lag that drains is no alert",
        {
            f'nazar_consumer_lag{{{DIRECTIVE}, consumer="fanout", topic="directive.events.v1", '
            'partition="0"}': "300000-5000x40",
        },
        "NazarConsumerLagNotShrinking",
        "35m",
    ),
    Scenario(
        "a dead-lettered record alerts at once",
        {
            f'nazar_dead_lettered_total{{{DIRECTIVE}, consumer="receipts", '
            'topic="dispatch.receipts.v1"}': "0 0 0 1 1 1 1 1 1 1",
        },
        "NazarRecordsDeadLettered",
        "4m",
        [
            {
                "job": "directive",
                "consumer": "receipts",
                "topic": "dispatch.receipts.v1",
                "severity": "warning",
            }
        ],
    ),
    Scenario(
        "dead letters older than the window no longer alert",
        {
            f'nazar_dead_lettered_total{{{DIRECTIVE}, consumer="receipts", '
            'topic="dispatch.receipts.v1"}': "0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
        },
        "NazarRecordsDeadLettered",
        "20m",
    ),
    Scenario(
        "a consumer retrying for ten minutes",
        {f'nazar_consumer_retries_total{{{DIRECTIVE}, consumer="fanout"}}': "0+1x30"},
        "NazarConsumerRetrying",
        "20m",
        [{"job": "directive", "consumer": "fanout", "severity": "warning"}],
    ),
    Scenario(
        "a replica that does not answer",
        {f"up{{{ROSTER_A}}}": "0x10", f"up{{{ROSTER_B}}}": "1x10"},
        "NazarTargetDown",
        "5m",
        [{"job": "roster", "instance": "10.0.0.2:8000", "severity": "critical"}],
    ),
    Scenario(
        "services with no replica at all",
        {f"up{{{ROSTER_A}}}": "1x10", f"up{{{DIRECTIVE}}}": "1x10"},
        "NazarServiceMissing",
        "6m",
        [
            {"job": "social-publisher", "severity": "critical"},
            {"job": "story-intake", "severity": "critical"},
        ],
    ),
    Scenario(
        "ten percent of requests fail with 5xx",
        {
            f'nazar_http_requests_total{{{ROSTER_A}, {API}, status="201"}}': "0+90x30",
            f'nazar_http_requests_total{{{ROSTER_A}, {API}, status="503"}}': "0+10x30",
        },
        "NazarHttpServerErrors",
        "20m",
        [{"job": "roster", "severity": "warning"}],
    ),
    Scenario(
        "one percent of requests failing is no alert",
        {
            f'nazar_http_requests_total{{{ROSTER_A}, {API}, status="201"}}': "0+99x30",
            f'nazar_http_requests_total{{{ROSTER_A}, {API}, status="500"}}': "0+1x30",
        },
        "NazarHttpServerErrors",
        "20m",
    ),
    Scenario(
        "a service that is not ready fails its probes, not its callers",
        {
            f'nazar_http_requests_total{{{ROSTER_A}, {API}, status="201"}}': "0+10x30",
            f'nazar_http_requests_total{{{ROSTER_A}, {PROBE}, status="503"}}': "0+60x30",
            f'nazar_http_requests_total{{{ROSTER_A}, {SCRAPE}, status="200"}}': "0+40x30",
        },
        "NazarHttpServerErrors",
        "20m",
    ),
]


SCENARIOS += [
    Scenario(
        "a story waiting more than a day at the district (both replicas report it)",
        {
            f'nazar_story_queue_oldest_age_seconds{{{STORY_A}, level="district"}}': "85000+60x60",
            f'nazar_story_queue_oldest_age_seconds{{{STORY_B}, level="district"}}': "85000+60x60",
            f'nazar_story_queue_oldest_age_seconds{{{STORY_A}, level="circle"}}': "3600x60",
        },
        "NazarStoryWaitingTooLong",
        "45m",
        [{"job": "story-intake", "level": "district", "severity": "warning"}],
    ),
    Scenario(
        "a story that waited a day and was then decided is no alert",
        {
            f'nazar_story_queue_oldest_age_seconds{{{STORY_A}, level="phq"}}': ("86000+60x15 0x25"),
        },
        "NazarStoryWaitingTooLong",
        "40m",
    ),
    Scenario(
        "a story over a day old for less than 15 minutes is not yet an alert",
        {f'nazar_story_queue_oldest_age_seconds{{{STORY_A}, level="circle"}}': "86000+60x20"},
        "NazarStoryWaitingTooLong",
        "15m",
    ),
    Scenario(
        "twenty stories blocked by the gate within an hour",
        {
            f'nazar_story_gate_blocks_total{{{STORY_A}, rule="victim_name"}}': "0x30 0+1x20",
            f'nazar_story_gate_blocks_total{{{STORY_B}, rule="aadhaar"}}': "0x50",
        },
        "NazarStoryGateBlocksSpiking",
        "55m",
        [{"job": "story-intake", "severity": "warning"}],
    ),
    Scenario(
        "a few blocked stories a day is no alert",
        {f'nazar_story_gate_blocks_total{{{STORY_A}, rule="phone"}}': "0+0.05x180"},
        "NazarStoryGateBlocksSpiking",
        "3h",
    ),
]


SOCIAL = 'job="social-publisher", instance="10.0.0.7:8000"'
SOCIAL_B = 'job="social-publisher", instance="10.0.0.8:8000"'
STOPPED = "nazar_publisher_social_account_stopped"
SOCIAL_ERRORS = "nazar_publisher_social_failures_total"
FB_STATE = 'network="facebook", account="facebook-state"'
X_STATE = 'network="x", account="x-state"'
SCENARIOS += [
    Scenario(
        "an account stopped (both replicas report it)",
        {
            f"{STOPPED}{{{SOCIAL}, {FB_STATE}}}": "0 0 1x10",
            f"{STOPPED}{{{SOCIAL_B}, {FB_STATE}}}": "0 0 1x10",
            f"{STOPPED}{{{SOCIAL}, {X_STATE}}}": "0x12",
        },
        "NazarSocialAccountStopped",
        "6m",
        [{"network": "facebook", "account": "facebook-state", "severity": "critical"}],
    ),
    Scenario(
        "an account stopped and resumed within a minute is no alert",
        {
            f"{STOPPED}{{{SOCIAL}, {X_STATE}}}": "0 1 0x10",
        },
        "NazarSocialAccountStopped",
        "8m",
    ),
    Scenario(
        "errors from a network keep coming for a quarter of an hour",
        {
            f'{SOCIAL_ERRORS}{{{SOCIAL}, {X_STATE}, code="503"}}': "0+1x60",
        },
        "NazarSocialFailuresRising",
        "50m",
        [{"network": "x", "account": "x-state", "severity": "warning"}],
    ),
    Scenario(
        "a rate limit now and then is no alert",
        {
            f'{SOCIAL_ERRORS}{{{SOCIAL}, network="instagram", code="80002"}}': "0+0.1x120",
        },
        "NazarSocialFailuresRising",
        "2h",
    ),
    Scenario(
        "a flash directive waits more than a minute for its fan-out",
        {f"nazar_directive_flash_waiting{{{DIRECTIVE}}}": "0 0 1x10"},
        "NazarFlashNotFannedOut",
        "5m",
        [{"severity": "critical"}],
    ),
    Scenario(
        "a flash directive fanned out at the next refresh is no alert",
        {f"nazar_directive_flash_waiting{{{DIRECTIVE}}}": "0 1 0x10"},
        "NazarFlashNotFannedOut",
        "8m",
    ),
    Scenario(
        "a run of acknowledgement escalations",
        {f'nazar_directive_escalations_total{{{DIRECTIVE}, kind="ack_to_co"}}': "0+1x60"},
        "NazarDirectiveEscalationsFiring",
        "50m",
        [{"kind": "ack_to_co", "severity": "warning"}],
    ),
    Scenario(
        "a few escalations an hour are the chain working",
        {f'nazar_directive_escalations_total{{{DIRECTIVE}, kind="relay_overdue"}}': "0+0.1x120"},
        "NazarDirectiveEscalationsFiring",
        "2h",
    ),
    Scenario(
        "one in ten WhatsApp sends fails",
        {
            WA_SENDS: "0+90x40",
            WA_FAILS: "0+10x40",
            SMS_SENDS: "0+100x40",
        },
        "NazarProviderErrorsRising",
        "35m",
        [{"channel": "whatsapp", "severity": "warning"}],
    ),
    Scenario(
        "one failure in a hundred is no alert",
        {
            WA_SENDS: "0+99x40",
            WA_FAILS: "0+1x40",
        },
        "NazarProviderErrorsRising",
        "35m",
    ),
    Scenario(
        "a field alert escalated to the range IG",
        {f'nazar_directive_alert_escalations_total{{{DIRECTIVE}, stage="ig"}}': "0 0 1x10"},
        "NazarFieldAlertsEscalating",
        "5m",
        [{"stage": "ig", "severity": "warning"}],
    ),
    Scenario(
        "no field alert escalated",
        {f'nazar_directive_alert_escalations_total{{{DIRECTIVE}, stage="ig"}}': "0x10"},
        "NazarFieldAlertsEscalating",
        "8m",
    ),
    Scenario(
        "a field alert found no officer",
        {f"nazar_directive_alerts_unreached_total{{{DIRECTIVE}}}": "0 0 1x10"},
        "NazarFieldAlertsUnreached",
        "5m",
        [{"severity": "critical"}],
    ),
    Scenario(
        "every field alert found its officers",
        {f"nazar_directive_alerts_unreached_total{{{DIRECTIVE}}}": "0x10"},
        "NazarFieldAlertsUnreached",
        "8m",
    ),
    Scenario(
        "a refresh token came back",
        {f"nazar_roster_refresh_reuse_total{{{ROSTER_A}}}": "0 0 1x10"},
        "NazarRefreshTokenReused",
        "3m",
        [{"severity": "warning"}],
    ),
    Scenario(
        "no refresh token reused",
        {f"nazar_roster_refresh_reuse_total{{{ROSTER_A}}}": "0x10"},
        "NazarRefreshTokenReused",
        "8m",
    ),
    Scenario(
        "codes locked by the dozen: someone guesses",
        {f"nazar_roster_sign_in_lockouts_total{{{ROSTER_A}}}": "0+3x30"},
        "NazarSignInLockoutsSpiking",
        "25m",
        [{"severity": "warning"}],
    ),
    Scenario(
        "a member who forgot their code now and then",
        {f"nazar_roster_sign_in_lockouts_total{{{ROSTER_A}}}": "0+0.2x60"},
        "NazarSignInLockoutsSpiking",
        "50m",
    ),
    Scenario(
        "a broker's followers stay behind for five minutes",
        {
            f"kafka_server_replicamanager_underreplicatedpartitions{{{KAFKA_1}}}": "0 3x10",
            f"kafka_server_replicamanager_underreplicatedpartitions{{{KAFKA_2}}}": "0x10",
        },
        "NazarKafkaUnderReplicatedPartitions",
        "8m",
        [{"severity": "critical"}],
    ),
    Scenario(
        "followers catching up within a minute is no alert",
        {f"kafka_server_replicamanager_underreplicatedpartitions{{{KAFKA_1}}}": "0 2 0x10"},
        "NazarKafkaUnderReplicatedPartitions",
        "8m",
    ),
    Scenario(
        "partitions without a leader",
        {f"kafka_controller_kafkacontroller_offlinepartitionscount{{{KAFKA_1}}}": "0 4x10"},
        "NazarKafkaOfflinePartitions",
        "5m",
        [{"severity": "critical"}],
    ),
    Scenario(
        "every partition has its leader",
        {f"kafka_controller_kafkacontroller_offlinepartitionscount{{{KAFKA_1}}}": "0x10"},
        "NazarKafkaOfflinePartitions",
        "8m",
    ),
    Scenario(
        "no broker is the active controller",
        {
            f"kafka_controller_kafkacontroller_activecontrollercount{{{KAFKA_1}}}": "1 0x10",
            f"kafka_controller_kafkacontroller_activecontrollercount{{{KAFKA_2}}}": "0x10",
        },
        "NazarKafkaNoActiveController",
        "6m",
        [{"severity": "critical"}],
    ),
    Scenario(
        "the controller moved from one broker to another",
        {
            f"kafka_controller_kafkacontroller_activecontrollercount{{{KAFKA_1}}}": "1 1 0x10",
            f"kafka_controller_kafkacontroller_activecontrollercount{{{KAFKA_2}}}": "0 0 1x10",
        },
        "NazarKafkaNoActiveController",
        "8m",
    ),
]


def rules_without_annotations() -> dict[str, Any]:
    rules: dict[str, Any] = load_yaml(PROMETHEUS_DIR / "alerts.yml")
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    return rules


def test_every_alert_has_a_scenario_that_fires_it() -> None:
    alerts = {r["alert"] for g in rules_without_annotations()["groups"] for r in g["rules"]}
    assert alerts == {s.alert for s in SCENARIOS if s.fires}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_alert_rule(scenario: Scenario, tmp_path: Path) -> None:
    tool = promtool()
    if tool is None:
        pytest.skip("promtool not found; `deploy/stack install` fetches it from Debian when it can")
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(rules_without_annotations()))
    test = {
        "rule_files": ["alerts.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in scenario.series.items()],
                "alert_rule_test": [
                    {
                        "eval_time": scenario.at,
                        "alertname": scenario.alert,
                        "exp_alerts": [{"exp_labels": labels} for labels in scenario.fires],
                    }
                ],
            }
        ],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test))
    result = subprocess.run(
        [tool, "test", "rules", "test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
