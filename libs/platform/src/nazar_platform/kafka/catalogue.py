"""The topic catalogue (deploy/topics.yaml) as typed models.

The catalogue is the only place topics are declared; `nazar_platform.kafka.topics` makes a cluster
match it. Dead-letter twins are not written out in the YAML: every topic with `dlq: true` gets one
here, so a new topic cannot forget its DLQ and all DLQs follow one policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

DAY_MS = 24 * 60 * 60 * 1000


def _config_value(value: object) -> str:
    # Kafka configs are strings on the wire; YAML hands us ints and booleans.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    raise ValueError(f"a topic config value must be a string, number or boolean, not {value!r}")


def _config_map(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("config must be a mapping of Kafka topic config names to values")
    return {str(key): _config_value(item) for key, item in value.items()}


TopicConfig = Annotated[dict[str, str], BeforeValidator(_config_map)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DlqPolicy(_Model):
    suffix: str = ".dlq"
    # Dead letters are rare and read by hand or by a replay tool; one partition keeps them in
    # arrival order.
    partitions: int = Field(default=1, ge=1)
    retention_ms: int = Field(default=30 * DAY_MS, ge=1)
    personal_data_retention_ms: int = Field(default=7 * DAY_MS, ge=1)


class Environment(_Model):
    replication_factor: int = Field(ge=1)
    # Applied on top of every topic's own config (DLQs included).
    config: TopicConfig = Field(default_factory=dict)


class TopicSpec(_Model):
    name: str = Field(pattern=r"^[a-zA-Z0-9._-]{1,249}$")
    partitions: int = Field(ge=1)
    config: TopicConfig = Field(default_factory=dict)
    dlq: bool = True
    # Records hold names or phone numbers: the DLQ twin keeps them for the short retention only.
    personal_data: bool = False
    description: str = ""


class Catalogue(_Model):
    dlq: DlqPolicy = Field(default_factory=DlqPolicy)
    environments: dict[str, Environment] = Field(
        default_factory=lambda: {"local": Environment(replication_factor=1)}
    )
    topics: list[TopicSpec]
    # Free-form home for YAML anchors (shared config blocks); not read by the code.
    templates: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_are_unique(self) -> Catalogue:
        names = [t.name for t in self.resolve(None)]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"topics declared twice (a DLQ twin counts): {duplicates}")
        return self

    def resolve(
        self, environment: str | None = "local", replication_factor: int | None = None
    ) -> list[ResolvedTopic]:
        """Every topic the cluster must have, DLQ twins included, with the environment's
        overrides applied. `replication_factor` overrides the environment's."""
        env = self._environment(environment)
        rf = replication_factor or (env.replication_factor if env else 1)
        extra = env.config if env else {}
        resolved: list[ResolvedTopic] = []
        for topic in self.topics:
            resolved.append(
                ResolvedTopic(topic.name, topic.partitions, rf, {**topic.config, **extra})
            )
            if topic.dlq:
                retention = (
                    self.dlq.personal_data_retention_ms
                    if topic.personal_data
                    else self.dlq.retention_ms
                )
                dlq_config = {"cleanup.policy": "delete", "retention.ms": str(retention), **extra}
                resolved.append(
                    ResolvedTopic(topic.name + self.dlq.suffix, self.dlq.partitions, rf, dlq_config)
                )
        return resolved

    def _environment(self, name: str | None) -> Environment | None:
        if name is None:
            return None
        if name not in self.environments:
            known = ", ".join(sorted(self.environments)) or "none"
            raise KeyError(f"unknown environment {name!r} (catalogue has: {known})")
        return self.environments[name]


@dataclass(frozen=True)
class ResolvedTopic:
    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = field(default_factory=dict)


def load_catalogue(path: str | Path) -> Catalogue:
    with Path(path).open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return Catalogue.model_validate(raw)
