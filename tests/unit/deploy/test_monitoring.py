"""Prometheus and Grafana configuration of deploy/: valid, and about metrics that exist.

PromQL is parsed with promql-parser (always), and the files are also checked with promtool when
it is on the machine (NAZAR_PROMTOOL, PATH, or where `deploy/stack install` puts it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deployfiles import (
    GRAFANA_DIR,
    KAFKA_SERIES,
    METRICS_PORT,
    NAZAR_SERVICES,
    PROMETHEUS_DIR,
    PROMETHEUS_SERIES,
    SERVICE_PORT,
    TARGET_LABELS,
    compose,
    load_yaml,
    platform_metrics,
    promql_uses,
)
from tests.promtool import promtool

PROMETHEUS_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))
DATASOURCES = GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml"
PROVIDERS = GRAFANA_DIR / "provisioning" / "dashboards" / "nazar.yml"

# What operations staff must be told about (the deployment issue's list).
REQUIRED_ALERT_METRICS = {
    "nazar_outbox_backlog",
    "nazar_outbox_oldest_age_seconds",
    "nazar_consumer_lag",
    "nazar_dead_lettered_total",
    "nazar_outbox_publisher_active",
    "up",
}


def known_series() -> dict[str, frozenset[str]]:
    return {**platform_metrics(), **PROMETHEUS_SERIES, **KAFKA_SERIES}


def assert_refers_to_known_series(expr: str, where: str) -> frozenset[str]:
    try:
        use = promql_uses(expr)
    except ValueError as error:
        raise AssertionError(f"{where}: not valid PromQL ({error}): {expr}") from error
    series = known_series()
    unknown = use.metrics - set(series)
    assert not unknown, f"{where}: unknown metrics {sorted(unknown)} in {expr}"
    assert use.metrics, f"{where}: refers to no metric: {expr}"
    labels = TARGET_LABELS.union(*(series[m] for m in use.metrics))
    assert use.labels <= labels, f"{where}: unknown labels {sorted(use.labels - labels)}"
    return use.metrics


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))  # panels of a collapsed row
    return found


def test_the_metric_reader_knows_the_platform_metrics() -> None:
    series = platform_metrics()
    assert series["nazar_outbox_published_total"] == {"topic"}
    assert series["nazar_consumer_batch_seconds_bucket"] == {"consumer", "le"}
    assert series["nazar_outbox_publisher_active"] == frozenset()
    assert series["nazar_http_requests_total"] == {"method", "route", "status"}
    assert series["nazar_http_request_seconds_bucket"] == {"method", "route", "le"}
    assert "nazar_outbox_published" not in series  # counters are exposed with _total


def test_the_expression_reader_catches_typos() -> None:
    use = promql_uses(
        'sum by (job) (rate(nazar_outbox_published_total{topic="a"}[$__rate_interval]))'
    )
    assert use.metrics == {"nazar_outbox_published_total"}
    assert use.labels == {"job", "topic"}
    with pytest.raises(AssertionError, match="unknown metrics"):
        assert_refers_to_known_series("nazar_outbox_publish_total", "typo")
    with pytest.raises(AssertionError, match="unknown labels"):
        assert_refers_to_known_series("sum by (topik) (nazar_outbox_published_total)", "typo")
    with pytest.raises(AssertionError, match="not valid PromQL"):
        assert_refers_to_known_series("sum(rate(up[5m])", "typo")


def test_prometheus_scrapes_every_service_on_its_metrics_port_and_loads_the_rules() -> None:
    config = load_yaml(PROMETHEUS_CONFIG)
    assert [(PROMETHEUS_DIR / f).is_file() for f in config["rule_files"]] == [True]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for service in NAZAR_SERVICES:
        job = jobs[service]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        [sd] = job["dns_sd_configs"]
        assert sd["names"] == [service] and sd["type"] == "A" and sd["port"] == METRICS_PORT
        # /metrics is not on the public HTTP port (it answers 404 there).
        assert sd["port"] != SERVICE_PORT


def test_scrape_jobs_are_named_like_compose_services_and_the_catalogue_services() -> None:
    template = compose()["x-nazar-service"]
    assert "8000" in " ".join(template["healthcheck"]["test"])
    assert compose()["x-nazar-env"]["NAZAR_METRICS_PORT"] == str(METRICS_PORT)
    jobs = {job["job_name"] for job in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"]}
    assert jobs == {"prometheus", *NAZAR_SERVICES}


def test_alert_rules_use_existing_metrics_and_cover_what_operations_need() -> None:
    used: set[str] = set()
    names = set()
    for rule in alert_rules():
        name = rule["alert"]
        names.add(name)
        used |= assert_refers_to_known_series(rule["expr"], name)
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
    assert used >= REQUIRED_ALERT_METRICS
    assert len(names) == len(alert_rules()), "alert names must be unique"


def test_every_nazar_service_is_watched_for_absence() -> None:
    [missing] = [r for r in alert_rules() if r["alert"] == "NazarServiceMissing"]
    for service in NAZAR_SERVICES:
        assert f'absent(up{{job="{service}"}})' in missing["expr"]


def test_grafana_datasource_points_at_the_compose_prometheus() -> None:
    [source] = load_yaml(DATASOURCES)["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    assert "prometheus" in compose()["services"]


def test_grafana_loads_the_dashboards_folder_it_mounts() -> None:
    [provider] = load_yaml(PROVIDERS)["providers"]
    grafana = compose()["services"]["grafana"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"]}
    assert Path(mounts[provider["options"]["path"]]) == Path("./deploy/grafana/dashboards")
    assert Path(mounts["/etc/grafana/provisioning"]) == Path("./deploy/grafana/provisioning")
    assert DASHBOARDS


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_panels_query_existing_metrics(path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    uid = load_yaml(DATASOURCES)["datasources"][0]["uid"]
    assert dashboard["uid"] and dashboard["title"]
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    used: set[str] = set()
    for panel in panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == uid, panel["title"]
        assert panel["targets"], panel["title"]
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), panel["title"]
        for target in panel["targets"]:
            used |= assert_refers_to_known_series(target["expr"], panel["title"])
    for variable in dashboard["templating"]["list"]:
        assert variable["datasource"]["uid"] == uid
    assert used & set(platform_metrics())


def test_the_platform_dashboard_shows_what_the_issue_asks_for() -> None:
    dashboard = json.loads((GRAFANA_DIR / "dashboards" / "nazar-platform.json").read_text())
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p.get("targets", []))
    for metric in [
        "nazar_outbox_published_total",
        "nazar_outbox_backlog",
        "nazar_outbox_oldest_age_seconds",
        "nazar_outbox_publisher_active",
        "nazar_consumer_records_total",
        "nazar_consumer_lag",
        "nazar_consumer_batch_seconds_bucket",
        "nazar_dead_lettered_total",
        "nazar_http_requests_total",
        "nazar_http_request_seconds_bucket",
    ]:
        assert metric in exprs, metric


def test_the_stories_dashboard_shows_the_queues_steps_states_and_gate_blocks() -> None:
    dashboard = json.loads((GRAFANA_DIR / "dashboards" / "nazar-stories.json").read_text())
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p.get("targets", []))
    for metric in [
        "nazar_story_queue_depth",
        "nazar_story_queue_oldest_age_seconds",
        "nazar_story_step_seconds_bucket",
        "nazar_story_stories",
        "nazar_story_gate_blocks_total",
    ]:
        assert metric in exprs, metric


def test_the_story_alerts_watch_the_queues_and_the_gate() -> None:
    used = {m for r in alert_rules() for m in promql_uses(r["expr"]).metrics}
    assert {"nazar_story_queue_oldest_age_seconds", "nazar_story_gate_blocks_total"} <= used


def _promtool_or_skip() -> str:
    found = promtool()
    if found is None:
        pytest.skip(
            "promtool not found (NAZAR_PROMTOOL, PATH, .cache/promtool): the PromQL was still "
            "parsed above; `deploy/stack install` fetches promtool from Debian when it can"
        )
    return found


def test_promtool_accepts_the_config() -> None:
    result = subprocess.run(
        [_promtool_or_skip(), "check", "config", PROMETHEUS_CONFIG.name],
        cwd=PROMETHEUS_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_rules() -> None:
    result = subprocess.run(
        [_promtool_or_skip(), "check", "rules", str(ALERTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_publishing_dashboard_shows_each_accounts_posts_failures_queue_and_limits() -> None:
    dashboard = json.loads((GRAFANA_DIR / "dashboards" / "nazar-publishing.json").read_text())
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p.get("targets", []))
    for metric in [
        "nazar_publisher_social_posts_total",
        "nazar_publisher_social_failures_total",
        "nazar_publisher_social_queue_depth",
        "nazar_publisher_social_time_to_publish_seconds_bucket",
        "nazar_publisher_social_quota_left",
        "nazar_publisher_social_token_days_to_expiry",
        "nazar_publisher_social_account_stopped",
        "nazar_publisher_social_reconciliations_total",
    ]:
        assert metric in exprs, metric
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert rows == [
        "Social publishing (X, Facebook, Instagram)",
        "Provider calls, tokens and media",
    ]


# One dashboard per question an operator asks (issue 18 item 2), and what each must show.
OPERATOR_DASHBOARDS = {
    "nazar-reach.json": [
        "nazar_directive_reach_last_day",
        "nazar_directive_circles_under_threshold",
        "nazar_directive_request_since_issue_seconds_bucket",
        "nazar_directive_escalations_total",
        "nazar_directive_acknowledgements_total",
    ],
    "nazar-channels.json": [
        "nazar_publisher_sends_total",
        "nazar_publisher_failures_total",
        "nazar_publisher_rate_sent",
        "nazar_publisher_rate_limit",
        "nazar_publisher_quota_used",
        "nazar_publisher_webhook_lag_seconds_bucket",
        "nazar_publisher_sms_segments_total",
    ],
    "nazar-field-alerts.json": [
        "nazar_directive_open_incidents",
        "nazar_directive_alert_since_raise_seconds_bucket",
        "nazar_directive_alert_escalations_total",
        "nazar_directive_alert_outcomes_total",
        "nazar_story_alerts_raised_total",
    ],
    "nazar-sign-in.json": [
        "nazar_roster_sign_in_codes_total",
        "nazar_roster_sign_in_verifications_total",
        "nazar_roster_sign_in_lockouts_total",
        "nazar_publisher_codes_total",
        "nazar_roster_refresh_reuse_total",
    ],
}


@pytest.mark.parametrize("name", sorted(OPERATOR_DASHBOARDS))
def test_each_operator_question_has_its_dashboard(name: str) -> None:
    dashboard = json.loads((GRAFANA_DIR / "dashboards" / name).read_text(encoding="utf-8"))
    exprs = " ".join(t["expr"] for p in panels(dashboard) for t in p.get("targets", []))
    for metric in OPERATOR_DASHBOARDS[name]:
        assert metric in exprs, metric


def test_the_reach_dashboard_filters_by_district() -> None:
    dashboard = json.loads((GRAFANA_DIR / "dashboards" / "nazar-reach.json").read_text())
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["district"]
    district_panels = [
        p["title"]
        for p in panels(dashboard)
        if any('district=~"$district"' in t["expr"] for t in p.get("targets", []))
    ]
    assert len(district_panels) >= 4, district_panels


def test_every_alert_has_runbook_text_in_hindi_and_english() -> None:
    for rule in alert_rules():
        notes = rule["annotations"]
        for key in ("summary", "description", "summary_hi", "description_hi"):
            assert notes.get(key, "").strip(), f"{rule['alert']}: no {key}"
        for key in ("summary_hi", "description_hi"):
            assert any("\u0900" <= ch <= "\u097f" for ch in notes[key]), f"{rule['alert']}: {key}"


# Exported metrics no panel or rule shows, each with the reason (issue 18 item 4).
DELIBERATELY_UNUSED = {
    "nazar_outbox_pruned": "housekeeping of published outbox rows; its correctness is tested and "
    "a backlog shows in nazar_outbox_backlog",
    "nazar_idempotency_pruned": "housekeeping of expired Idempotency-Keys, for the logs",
    "nazar_story_media_files_deleted": "retention housekeeping (30 days); what is kept shows in "
    "nazar_story_media_bytes",
    "nazar_publisher_media_files_deleted": "retention housekeeping; what is kept shows in "
    "nazar_publisher_media_bytes",
    "nazar_publisher_pushes": "Web Push is not a delivery channel yet (issue 17); its panel "
    "comes with the channel, beside the WhatsApp and SMS sends",
}


def _family(series: str) -> str:
    for suffix in ("_bucket", "_sum", "_count", "_created", "_total"):
        if series.endswith(suffix):
            return series[: -len(suffix)]
    return series


def test_every_exported_metric_is_shown_or_deliberately_unused() -> None:
    used: set[str] = set()
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in panels(dashboard):
            for target in panel.get("targets", []):
                used |= promql_uses(target["expr"]).metrics
    for rule in alert_rules():
        used |= promql_uses(rule["expr"]).metrics
    families: dict[str, set[str]] = {}
    for series in platform_metrics():
        families.setdefault(_family(series), set()).add(series)
    unshown = {f for f, names in families.items() if not names & used}
    assert unshown == set(DELIBERATELY_UNUSED), (
        f"not shown and not listed: {sorted(unshown - set(DELIBERATELY_UNUSED))}; "
        f"listed but shown or gone: {sorted(set(DELIBERATELY_UNUSED) - unshown)}"
    )


# Padding (`or vector(0)` and the like) is test_no_padding.py's.
