"""Readers for the deployment files, shared by tests/unit/deploy and tests/integration/deploy.

No Docker engine runs where the tests do, so docker-compose.yml, the Dockerfile and the monitoring
configuration are checked by reading them the way Compose, BuildKit, the apache/kafka image and
Prometheus would.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import promql_parser
import yaml
from prometheus_client.metrics import MetricWrapperBase

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
GRAFANA_DIR = ROOT / "deploy" / "grafana"

# The services of docs/ARCHITECTURE.md, by their compose service / Prometheus job names.
NAZAR_SERVICES = ("roster", "directive", "social-publisher", "story-intake")
SERVICE_DATABASES = ("nazar_roster", "nazar_directive", "nazar_publisher", "nazar_story")
SERVICE_PORT = 8000  # the API and pages
METRICS_PORT = 9100  # /metrics, on the internal metrics listener only


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(COMPOSE_FILE)
    return loaded


# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}")


def strings(node: object) -> Iterator[str]:
    """Every string value (and mapping key) in a loaded YAML document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def interpolated_variables(node: object) -> dict[str, set[str]]:
    """Variable name -> the operators it is used with ('' for a plain ${VAR})."""
    found: dict[str, set[str]] = {}
    for text in strings(node):
        for match in INTERPOLATION.finditer(text.replace("$$", "")):
            found.setdefault(match.group(1), set()).add(match.group(2) or "")
            # A default may itself interpolate: ${A:-${B}}.
            for inner, ops in interpolated_variables(match.group(3) or "").items():
                found.setdefault(inner, set()).update(ops)
    return found


def variable_defaults(node: object) -> dict[str, set[str]]:
    """Variable name -> the defaults it is given with ${VAR:-default}."""
    found: dict[str, set[str]] = {}
    for text in strings(node):
        for match in INTERPOLATION.finditer(text.replace("$$", "")):
            if match.group(2) in {":-", "-"}:
                found.setdefault(match.group(1), set()).add(interpolate_defaults(match.group(3)))
    return found


def interpolate_defaults(text: str) -> str:
    """The value Compose gives a string when no variable is set (defaults applied)."""
    return INTERPOLATION.sub(lambda m: interpolate_defaults(m.group(3) or ""), text)


# Environment variables of the apache/kafka image that are not broker properties.
KAFKA_NON_PROPERTIES = {
    "KAFKA_HEAP_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JMX_PORT",
    "KAFKA_JMX_HOSTNAME",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_VERSION",
}


def kafka_properties(environment: Mapping[str, object]) -> dict[str, str]:
    """Broker properties as the apache/kafka image derives them from the environment:
    strip KAFKA_, then ___ is '-', __ is '_' and _ is '.'; lower case."""
    props: dict[str, str] = {}
    for key, value in environment.items():
        if not key.startswith("KAFKA_") or key in KAFKA_NON_PROPERTIES:
            continue
        name = key.removeprefix("KAFKA_").replace("___", "-").replace("__", "\0")
        props[name.replace("_", ".").replace("\0", "_").lower()] = str(value)
    return props


@dataclass(frozen=True)
class Instruction:
    keyword: str
    flags: dict[str, str]
    args: str
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comment lines dropped, as BuildKit reads
    them; `--flag=value` options of COPY and RUN are split off."""
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, rest = " ".join(pending).partition(" ")
        pending = []
        flags: dict[str, str] = {}
        rest = rest.strip()
        while keyword.upper() in {"COPY", "ADD", "RUN"} and rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.strip()
        result.append(Instruction(keyword.upper(), flags, rest, start))
    return result


def expand(text: str, args: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return args.get(match.group(1) or match.group(2), match.group(0))

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", value, text)


def dockerfile_stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """ARG defaults declared before the first FROM, and the stages with their base images."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in dockerfile_instructions(text):
        if instruction.keyword == "FROM":
            parts = instruction.args.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(expand(parts[0], global_args), name))
        elif not stages and instruction.keyword == "ARG":
            key, _, default = instruction.args.partition("=")
            global_args[key] = default
        elif stages:
            stages[-1].instructions.append(instruction)
    return global_args, stages


def stage_args(stage: Stage, build_args: Mapping[str, str] | None = None) -> dict[str, str]:
    """ARG values in scope at the end of a stage: the default, unless given at build time."""
    values: dict[str, str] = {}
    for instruction in stage.all("ARG"):
        key, _, default = instruction.args.partition("=")
        values[key] = (build_args or {}).get(key, default)
    return values


def shell_words(text: str) -> list[str]:
    return shlex.split(text)


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` (relative to the context) out of the build context: a
    pattern that matches the path or one of its parent folders excludes it, the last match wins
    and `!` re-includes."""
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for raw in patterns:
        negated = raw.startswith("!")
        regex = _ignore_regex(raw.removeprefix("!").strip("/"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            excluded = not negated
    return excluded


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# The services' Python packages (their own metrics modules: `<package>.metrics`).
SERVICE_PACKAGES = ("roster", "directive", "social_publisher", "story_intake")


def metrics_modules() -> list[ModuleType]:
    """nazar_platform.observability.metrics and the `metrics` module of every installed Nazar
    service."""
    found = []
    names = {m.name for m in pkgutil.iter_modules() if m.name.startswith("nazar_")}
    for package in sorted(names | set(SERVICE_PACKAGES)):
        for module in ("metrics", "observability.metrics"):
            if importlib.util.find_spec(package) and _has_submodule(package, module):
                found.append(importlib.import_module(f"{package}.{module}"))
    return found


def _has_submodule(package: str, name: str) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.{name}") is not None
    except ModuleNotFoundError:
        return False


@cache
def platform_metrics() -> dict[str, frozenset[str]]:
    """Series names the Nazar metrics modules expose, each with its label names."""
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
    }
    exposed: dict[str, frozenset[str]] = {}
    for module in metrics_modules():
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                for suffix in suffixes[str(value._type)]:
                    extra = {"le"} if suffix == "_bucket" else set()
                    exposed[value._name + suffix] = frozenset(value._labelnames) | extra
    return exposed


# Labels Prometheus adds to every scraped series.
TARGET_LABELS = frozenset({"job", "instance"})
# Series Prometheus makes itself.
PROMETHEUS_SERIES = {
    "up": frozenset(),
    "ALERTS": frozenset({"alertname", "alertstate", "severity"}),
}
# The Kafka broker's series, as deploy/kafka/jmx-exporter.yaml names them (the JMX exporter java
# agent in the broker's JVM; job `kafka`).
KAFKA_SERIES = {
    **{
        f"kafka_server_replicamanager_{name}": frozenset()
        for name in (
            "underreplicatedpartitions",
            "underminisrpartitioncount",
            "partitioncount",
            "leadercount",
            "offlinereplicacount",
            "isrshrinkspersec_total",
            "isrexpandspersec_total",
        )
    },
    **{
        f"kafka_controller_kafkacontroller_{name}": frozenset()
        for name in (
            "activecontrollercount",
            "offlinepartitionscount",
            "globalpartitioncount",
            "globaltopiccount",
        )
    },
    **{
        f"kafka_server_brokertopicmetrics_{name}_total": frozenset()
        for name in (
            "messagesinpersec",
            "bytesinpersec",
            "bytesoutpersec",
            "failedproducerequestspersec",
            "failedfetchrequestspersec",
        )
    },
    "kafka_server_requesthandler_idle_ratio": frozenset(),
    "kafka_network_processor_idle_ratio": frozenset(),
    "kafka_network_request_total_time_ms": frozenset({"request", "quantile"}),
}
# Grafana macros and dashboard variables, replaced by a sample value before parsing.
GRAFANA_PLACEHOLDERS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "6h",
    "$job": ".*",
    "$district": ".*",
}


@dataclass(frozen=True)
class PromqlUse:
    metrics: frozenset[str]
    labels: frozenset[str]


def promql_uses(expr: str) -> PromqlUse:
    """The series names and the label names an expression refers to (matchers, by/without,
    on/ignoring, group_left/right). Raises ValueError when it is not valid PromQL."""
    for placeholder, sample in GRAFANA_PLACEHOLDERS.items():
        expr = expr.replace(placeholder, sample)
    tree = promql_parser.parse(expr)
    metric_names: set[str] = set()
    label_names: set[str] = set()

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                metric_names.add(node.name)
            matchers = [*node.matchers.matchers, *(m for g in node.matchers.or_matchers for m in g)]
            label_names.update(m.name for m in matchers if m.name != "__name__")
        elif isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
            label_names.update(node.modifier.labels)
        elif isinstance(node, promql_parser.BinaryExpr) and node.modifier is not None:
            if node.modifier.matching is not None:
                label_names.update(node.modifier.matching.labels)
            label_names.update(node.modifier.group_labels or [])
        return True

    promql_parser.walk(tree, visit)
    return PromqlUse(frozenset(metric_names), frozenset(label_names))
