"""Every panel of every dashboard of deploy/grafana, evaluated against the live Prometheus of the
test stack as Grafana would evaluate it (issue 18, item 4: "no panel shows No data").

A panel's query is taken as Grafana sends it: its template variables are filled with the values
Prometheus has now (the variable's own `label_values(...)` query; a multi-value `=~` variable
gets all of them, as Grafana's "All"), and its macros with what Grafana computes for this stack's
5 s scrape interval and the dashboard's own time range.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.deployfiles import GRAFANA_DIR, promql_uses

DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))
# The local stack scrapes every 5 s (deploy/stackctl/prometheus.py); Grafana's $__rate_interval
# is four scrape intervals at least, $__interval the step of a ~1,000-pixel-wide graph.
SCRAPE_SECONDS = 5
MACROS = {"$__rate_interval": f"{4 * SCRAPE_SECONDS}s", "$__interval": f"{SCRAPE_SECONDS}s"}
LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(?P<selector>.+),\s*)?(?P<label>\w+)\s*\)\s*$")
RELATIVE = re.compile(r"^now-(?P<n>\d+)(?P<unit>[smhdw])$")


@dataclass(frozen=True)
class Panel:
    dashboard: str
    title: str
    expr: str


@dataclass(frozen=True)
class Variable:
    name: str
    query: str


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for panel in panels:
        found.append(panel)
        found.extend(_panels(panel.get("panels", [])))  # the panels of a collapsed row
    return found


def load(path: Path) -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return dashboard


def queries(dashboard: dict[str, Any], name: str) -> list[Panel]:
    return [
        Panel(name, panel.get("title", "?"), target["expr"])
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
        if target.get("expr")
    ]


def variables(dashboard: dict[str, Any]) -> list[Variable]:
    found = []
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if isinstance(query, dict):  # newer Grafana writes {"query": "...", "refId": ...}
            query = query.get("query", "")
        found.append(Variable(variable["name"], str(query or "")))
    return found


def time_range(dashboard: dict[str, Any]) -> str:
    """$__range of the dashboard's default time range (`now-6h` → `6h`)."""
    match = RELATIVE.match(dashboard.get("time", {}).get("from", "now-6h"))
    assert match, f"{dashboard['title']}: time range {dashboard.get('time')} is not now-<n><unit>"
    return f"{match['n']}{match['unit']}"


class Prometheus:
    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http = http
        self.url = url

    async def query(self, expr: str) -> list[Any]:
        r = await self.http.get(f"{self.url}/api/v1/query", params={"query": expr})
        assert r.status_code == 200, f"{expr}: {r.status_code} {r.text}"
        result: list[Any] = r.json()["data"]["result"]
        return result

    async def label_values(self, label: str, selector: str | None = None) -> list[str]:
        params = {"match[]": selector} if selector else None
        r = await self.http.get(f"{self.url}/api/v1/label/{label}/values", params=params)
        assert r.status_code == 200, f"{label} {selector}: {r.status_code} {r.text}"
        values: list[str] = r.json()["data"]
        return values

    async def variable_values(self, variable: Variable) -> list[str]:
        match = LABEL_VALUES.match(variable.query)
        assert match, f"${variable.name}: only label_values(...) variables are known: {variable}"
        return await self.label_values(match["label"], match["selector"])


REGEX_SPECIAL = frozenset("\\^$.|?*+()[]{}")


def _regex_literal(value: str) -> str:
    """A label value as a regex matching it alone, inside a PromQL double-quoted string (the
    regex's backslash written twice), as Grafana's Prometheus data source escapes it."""
    return "".join(f"\\\\{c}" if c in REGEX_SPECIAL else c for c in value)


def fill(expr: str, values: dict[str, list[str]], range_: str) -> str:
    """The expression as Grafana sends it: variables (all their values, regex-escaped, joined
    as Grafana's "All" does for `=~`), then the macros."""
    for name, found in sorted(values.items(), key=lambda item: -len(item[0])):
        expr = expr.replace(f"${name}", "|".join(_regex_literal(v) for v in found))
    for macro, value in {**MACROS, "$__range": range_}.items():
        expr = expr.replace(macro, value)
    return expr


async def problems(prometheus: Prometheus) -> list[str]:
    """One line per panel query that answers nothing, per metric no target exports, per variable
    with no value; empty when every panel shows data."""
    exported = set(await prometheus.label_values("__name__"))
    found: list[str] = []
    for path in DASHBOARDS:
        dashboard = load(path)
        values: dict[str, list[str]] = {}
        for variable in variables(dashboard):
            values[variable.name] = await prometheus.variable_values(variable)
            if not values[variable.name]:
                found.append(f"{path.name}: ${variable.name} has no value ({variable.query})")
        range_ = time_range(dashboard)
        for panel in queries(dashboard, path.name):
            expr = fill(panel.expr, values, range_)
            missing = sorted(promql_uses(panel.expr).metrics - exported)
            if missing:
                found.append(f"{panel.dashboard} / {panel.title}: no target exports {missing}")
            if not await prometheus.query(expr):
                found.append(f"{panel.dashboard} / {panel.title}: no data: {expr}")
    return found
