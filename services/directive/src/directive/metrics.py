"""Prometheus metrics of the directive service (issue 6, item 10)."""

from __future__ import annotations

from nazar_contracts.alerts import AlertKind, AlertOutcome, AlertStage
from nazar_contracts.directives import Priority
from nazar_platform.observability.metrics import at_zero
from prometheus_client import Counter, Gauge, Histogram

from directive.domain.acks import AckVia
from directive.domain.escalation import EscalationKind
from directive.domain.texts import StoryStep

DIRECTIVES = Gauge("nazar_directives", "Directives by state", ["state"])
ISSUED = Counter("nazar_directives_issued_total", "Directives issued", ["priority"])
RELAYS = Counter("nazar_directive_relays_total", "Relays recorded", ["mode"])
DELIVERIES_REQUESTED = Counter(
    "nazar_directive_deliveries_requested_total",
    "dispatch.requested records on Kafka (fan-out rate: rate() of this)",
    ["priority"],
)
FANOUT_JOB_SECONDS = Histogram(
    "nazar_directive_fanout_job_seconds",
    "Time to fan one job out, from its first batch to its last acknowledged record",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120),
)
SINCE_ISSUE = Histogram(
    "nazar_directive_request_since_issue_seconds",
    "Time from a directive's issue to a job's first and last delivery request",
    ["kind", "edge"],  # edge: first | last
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 7200, 86400),
)
RECEIPTS = Counter(
    "nazar_directive_receipts_total",
    "Receipts applied: advanced a delivery, changed nothing (stale or repeated), or unknown",
    ["outcome"],
)
RECEIPT_LAG = Histogram(
    "nazar_directive_receipt_lag_seconds",
    "From the provider's status time to the receipt being counted",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
ACKS = Counter("nazar_directive_acknowledgements_total", "Acknowledgements recorded", ["via"])
REPLIES_UNMATCHED = Counter(
    "nazar_directive_replies_unmatched_total", "Replies that acknowledged nothing"
)
ESCALATIONS = Counter("nazar_directive_escalations_total", "Escalations raised", ["kind"])
SCHEDULER_ACTIVE = Gauge(
    "nazar_directive_scheduler_active", "1 while this process holds the scheduler lock"
)
FANOUT_STAGE_SECONDS = Counter(
    "nazar_directive_fanout_stage_seconds_total",
    "Time the fan-out spent per stage (audience query, delivery insert, encoding, Kafka acks)",
    ["stage"],
)
STORY_MESSAGES = Counter(
    "nazar_directive_story_messages_total",
    "Story messages from the story events: circulations and author notices (by step), and whether "
    "one was sent, was a repeat, or had an author unknown to the read model",
    ["what", "outcome"],
)
CIRCULATION_RUNNER_ACTIVE = Gauge(
    "nazar_directive_circulation_runner_active",
    "1 while this process holds the lock of the runner of stories' fan-out jobs",
)
CAMPAIGN_LINK_OPENS = Counter(
    "nazar_directive_campaign_link_requests_total",
    "Requests to campaigns' circle links: counted as an open (a person's GET), not counted (a "
    "link preview or HEAD, still redirected), or unknown code (404)",
    ["outcome"],
)
ACCOUNT_NOTICES = Counter(
    "nazar_directive_account_notices_total",
    "Notices to the PHQ social media cell that an official account stopped: sent, or a repeat of "
    "a stop already told",
    ["outcome"],
)
# Field alerts (issue 15).
ALERTS = Counter(
    "nazar_directive_alerts_total",
    "Alerts raised, by kind: opened an incident, joined an open one, or a repeat (redelivered)",
    ["kind", "outcome"],
)
ALERT_OUTCOMES = Counter(
    "nazar_directive_alert_outcomes_total",
    "Alerts closed, by kind and outcome",
    ["kind", "outcome"],
)
ALERT_SINCE_RAISE = Histogram(
    "nazar_directive_alert_since_raise_seconds",
    "From an incident's first alert being raised to its first dispatch.requested on Kafka "
    "(requested), an officer's delivery (delivered), the first acknowledgement (acknowledged), "
    "and it being taken by any path (taken)",
    ["edge"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200),
)
ALERT_STAGE_MESSAGES = Counter(
    "nazar_directive_alert_messages_total", "Officers' alert messages, by stage", ["stage"]
)
ALERT_ESCALATIONS = Counter(
    "nazar_directive_alert_escalations_total", "Cases escalated, by the stage reached", ["stage"]
)
ALERT_HANDOVERS = Counter(
    "nazar_directive_alert_handovers_total", "Cases handed to another station"
)
ALERTS_UNREACHED = Counter(
    "nazar_directive_alerts_unreached_total",
    "Routings that found no officer at any stage up the chain (a roster gap to fix)",
)
OPEN_INCIDENTS = Gauge(
    "nazar_directive_open_incidents", "Open alert incidents by age since the first alert", ["age"]
)
ALERT_RUNNER_ACTIVE = Gauge(
    "nazar_directive_alert_runner_active", "1 while this process holds the alert runner's lock"
)
ALERT_ESCALATOR_ACTIVE = Gauge(
    "nazar_directive_alert_escalator_active",
    "1 while this process holds the lock of the alerts' escalation loop",
)
# The reach dashboard (issue 18 item 2): the directives of the last day, by district and circle.
# Set by the scheduler's leader only; a replica that loses the lead clears them, so summing or
# taking the max over instances counts each area once.
REACH_LAST_DAY = Gauge(
    "nazar_directive_reach_last_day",
    "People in the audience of the directives issued in the last day, by area (district or "
    "circle) and stage: targeted, sent, delivered, read, acknowledged, failed",
    ["level", "unit", "name", "district", "stage"],
)
CIRCLES_UNDER_THRESHOLD = Gauge(
    "nazar_directive_circles_under_threshold",
    "Circles of open directives of the last day asking for acknowledgements whose acknowledged "
    "share is under the directive's threshold",
)
FLASH_WAITING = Gauge(
    "nazar_directive_flash_waiting",
    "Flash directives issued a minute or more ago whose fan-out has not requested one delivery",
)

# Label values known in advance start at 0 on /metrics (nazar_platform's `at_zero`), so that
# "none" is a value on the dashboards, not "No data".
PRIORITIES = [str(p) for p in Priority]
ALERT_KINDS = [str(k) for k in AlertKind]
at_zero(CAMPAIGN_LINK_OPENS, outcome=("counted", "not_counted", "unknown"))
at_zero(ACCOUNT_NOTICES, outcome=("sent", "no_cell_members", "repeat"))
at_zero(ISSUED, priority=PRIORITIES)
at_zero(DELIVERIES_REQUESTED, priority=PRIORITIES)
at_zero(RELAYS, mode=("manual", "automatic"))
at_zero(RECEIPTS, outcome=("advanced", "stale", "unknown"))
at_zero(ACKS, via=[str(v) for v in AckVia])
at_zero(ESCALATIONS, kind=[str(k) for k in EscalationKind])
at_zero(STORY_MESSAGES, what=["circulation"], outcome=("sent", "repeat"))
at_zero(
    STORY_MESSAGES, what=[str(s) for s in StoryStep], outcome=("sent", "repeat", "unknown_author")
)
at_zero(ALERTS, kind=ALERT_KINDS, outcome=("opened", "joined", "repeat"))
at_zero(ALERT_OUTCOMES, kind=ALERT_KINDS, outcome=[str(o) for o in AlertOutcome])
at_zero(ALERT_SINCE_RAISE, edge=("requested", "delivered", "acknowledged", "taken"))
at_zero(ALERT_STAGE_MESSAGES, stage=[str(s) for s in AlertStage])
at_zero(ALERT_ESCALATIONS, stage=(str(AlertStage.SP), str(AlertStage.IG)))
