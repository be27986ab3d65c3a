"""Story-intake's own Prometheus metrics (the platform's HTTP and audit metrics come along)."""

from __future__ import annotations

from nazar_contracts.alerts import AlertKind, Urgency
from nazar_platform.observability.metrics import at_zero
from prometheus_client import Counter, Gauge, Histogram

from story_intake.domain.rules import RULES, Verdict

GATE_CHECKS = Counter(
    "nazar_story_gate_checks_total", "Texts put through the lawful-publishing gate", ["verdict"]
)  # verdict: block | review | pass
GATE_FINDINGS = Counter(
    "nazar_story_gate_findings_total", "Findings of the lawful-publishing gate", ["rule"]
)
GATE_SECONDS = Histogram(
    "nazar_story_gate_seconds",
    "Time to gate one text",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1),
)
# A story saved (written, edited) whose text the gate blocks, per blocking rule: a spike means
# field staff are writing victims' names or citizens' numbers into stories.
GATE_BLOCKS = Counter(
    "nazar_story_gate_blocks_total", "Stories saved with a text the gate blocks", ["rule"]
)

# From a story's arrival at a level (submitted, forwarded, resubmitted) to the reviewer's
# decision there: how long each step of the chain keeps good work waiting.
STEP_SECONDS = Histogram(
    "nazar_story_step_seconds",
    "Time from a story's arrival at a level to the decision made there",
    ["level", "decision"],
    buckets=(60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600, 96 * 3600, 7 * 86400),
)

# Refreshed from the database by `workers/gauges.py`, so every instance reports the same totals.
STORIES = Gauge("nazar_story_stories", "Stories by state and kind", ["state", "kind"])
QUEUE_DEPTH = Gauge(
    "nazar_story_queue_depth", "Stories waiting for review at each level", ["level"]
)
QUEUE_OLDEST_AGE = Gauge(
    "nazar_story_queue_oldest_age_seconds",
    "How long the story waiting longest at each level has waited there (0: none waits)",
    ["level"],
)

# Photos and creatives.
MEDIA_BYTES_STORED = Counter(
    "nazar_story_media_stored_bytes_total",
    "Bytes of image files kept (an original and its two renditions), by what they belong to",
    ["kind"],
)  # kind: photo | creative | alert_photo
MEDIA_REFUSED = Counter(
    "nazar_story_media_refused_total",
    "Photo and creative uploads refused, by the problem code's reason",
    ["kind", "reason"],
)  # kind: photo | creative | alert_photo; reason: too_large, wrong_type, too_many_pixels, ...
MEDIA_BYTES = Gauge(
    "nazar_story_media_bytes",
    "Bytes of image files kept now (set by the replica leading the retention sweep)",
)
MEDIA_FILES_DELETED = Counter(
    "nazar_story_media_files_deleted_total", "Kept files deleted by the retention sweep"
)

# Field alerts (issue 15): what is raised, and what is refused and why (a spike of
# `alert.consent_missing` means volunteers were enrolled without their consent recorded).
ALERTS_RAISED = Counter(
    "nazar_story_alerts_raised_total", "Alerts raised (once per alert, not per retry)",
    ["kind", "urgency"],
)  # fmt: skip
ALERT_REFUSALS = Counter(
    "nazar_story_alert_refusals_total", "Alert requests refused, by problem code", ["code"]
)

# Every gate rule, verdict, media kind and alert kind starts at 0 on /metrics (nazar_platform's
# `at_zero`): "nothing found" is a value on the dashboards, not a missing series. The alert
# refusals' codes are api/alert_problems.py's, set there.
MEDIA_KINDS = ("photo", "creative", "alert_photo")
at_zero(GATE_FINDINGS, rule=RULES)
at_zero(GATE_BLOCKS, rule=[name for name, rule in RULES.items() if rule.verdict is Verdict.BLOCK])
at_zero(GATE_CHECKS, verdict=[str(v) for v in Verdict])
at_zero(MEDIA_BYTES_STORED, kind=MEDIA_KINDS)
# The refusals of the file itself (adapters/images.py), whatever it was for.
at_zero(
    MEDIA_REFUSED,
    kind=MEDIA_KINDS,
    reason=("wrong_type", "too_large", "too_many_pixels", "unreadable"),
)
at_zero(ALERTS_RAISED, kind=[str(k) for k in AlertKind], urgency=[str(u) for u in Urgency])
