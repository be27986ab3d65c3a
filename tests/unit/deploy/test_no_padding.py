"""No dashboard query or alert rule hides an empty result behind a made-up value (issue 18,
item 4): a panel has data because the system exports it, not because `or vector(0)` says so.

Read from the parsed PromQL (promql-parser), so spacing and nesting do not hide a trick:
`vector(...)` anywhere; `absent(...)` / `absent_over_time(...)` outside the alerts whose whole
point is a missing series; an `or` with a side that selects no series (a constant); `or on()`,
which joins any series to any other; and a series multiplied by 0 (`x or up * 0`).
"""

from __future__ import annotations

import json

import promql_parser
import pytest

from tests.deployfiles import GRAFANA_DIR, GRAFANA_PLACEHOLDERS, PROMETHEUS_DIR, load_yaml

DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))
ALERTS = PROMETHEUS_DIR / "alerts.yml"
ABSENCE = {"absent", "absent_over_time"}
# Alerts about a series that is gone, where absent() is the question itself, with the reason.
ABSENCE_ALERTS = {
    "NazarServiceMissing": "a service with no replica has no target, so `up` has no series to "
    "compare with 0; absent() is how Prometheus asks whether one exists",
}


def _panels(panels: list[dict[str, object]]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for panel in panels:
        found.append(panel)
        found.extend(_panels(panel.get("panels", [])))  # type: ignore[arg-type]
    return found


def dashboard_exprs() -> list[tuple[str, str]]:
    found = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in _panels(dashboard["panels"]):
            for target in panel.get("targets", []):  # type: ignore[attr-defined]
                found.append((f"{path.name} / {panel.get('title')}", str(target["expr"])))
    return found


def rule_exprs() -> list[tuple[str, str]]:
    groups = load_yaml(ALERTS)["groups"]
    return [(str(r["alert"]), str(r["expr"])) for g in groups for r in g["rules"]]


def _selects_a_series(node: promql_parser.Expr) -> bool:
    found = False

    def visit(inner: promql_parser.Expr) -> bool:
        nonlocal found
        found = found or isinstance(
            inner, promql_parser.VectorSelector | promql_parser.MatrixSelector
        )
        return True

    promql_parser.walk(node, visit)
    return found


def padding(expr: str, absence_allowed: bool = False) -> list[str]:
    """What in `expr` stands in for a missing result; empty when nothing does."""
    for placeholder, sample in GRAFANA_PLACEHOLDERS.items():
        expr = expr.replace(placeholder, sample)
    found: list[str] = []

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.Call):
            name = node.func.name
            if name == "vector":
                found.append("vector(...)")
            elif name in ABSENCE and not absence_allowed:
                found.append(f"{name}(...)")
        elif isinstance(node, promql_parser.BinaryExpr):
            op = str(node.op)
            if op == "or":
                if not (_selects_a_series(node.lhs) and _selects_a_series(node.rhs)):
                    found.append("`or` with a side that selects no series")
                matching = node.modifier.matching if node.modifier is not None else None
                # `on (...)` is the "Include" type; with no label it pairs any series with any.
                if (
                    matching is not None
                    and str(matching.type).endswith("Include")
                    and not matching.labels
                ):
                    found.append("`or on()`")
            if op == "*" and any(
                isinstance(side, promql_parser.NumberLiteral) and side.val == 0
                for side in (node.lhs, node.rhs)
            ):
                found.append("a series multiplied by 0")
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


@pytest.mark.parametrize(
    "expr",
    [
        "sum(rate(x_total[5m])) or vector(0)",
        "sum by (job) (x) or on() vector(1)",
        "sum(x) or on () sum(y)",
        "sum(x) OR (up * 0)",
        "sum(x) or 0 * up",
        "absent(x) or sum(x)",
        "max(x) or absent_over_time(x[5m])",
        "label_replace(vector(0), 'a', 'b', '', '')",
    ],
)
def test_the_check_sees_each_kind_of_padding(expr: str) -> None:
    assert padding(expr), expr


@pytest.mark.parametrize(
    "expr",
    [
        "sum by (job) (rate(a_total[5m])) / sum by (job) (rate(b_total[5m]))",
        "x or y",
        "max by (job) (x and on (job, instance) (y == 1))",
        "1 - sum(a) / sum(b)",
        "sum(increase(x_total[1h])) * 3600",
    ],
)
def test_the_check_leaves_honest_queries_alone(expr: str) -> None:
    assert not padding(expr), expr


def test_no_panel_pads_an_empty_result() -> None:
    found = {where: p for where, expr in dashboard_exprs() if (p := padding(expr))}
    assert not found, found
    assert len(dashboard_exprs()) > 100  # every dashboard was read


def test_no_alert_rule_pads_an_empty_result() -> None:
    found = {
        name: p
        for name, expr in rule_exprs()
        if (p := padding(expr, absence_allowed=name in ABSENCE_ALERTS))
    }
    assert not found, found
    assert set(ABSENCE_ALERTS) <= {name for name, _ in rule_exprs()}


def test_the_absence_alerts_use_absent_and_nothing_else() -> None:
    for name in ABSENCE_ALERTS:
        [expr] = [e for n, e in rule_exprs() if n == name]
        assert padding(expr) == ["absent(...)"] * expr.count("absent("), expr
