from __future__ import annotations

from pathlib import Path

import pytest
from nazar_platform.kafka.catalogue import DAY_MS, Catalogue, TopicSpec, load_catalogue
from pydantic import ValidationError

CATALOGUE = Path(__file__).resolve().parents[2] / "deploy" / "topics.yaml"

# The topic table of docs/ARCHITECTURE.md: (name, cleanup.policy).
ARCHITECTURE_TOPICS = {
    "roster.units.v1": "compact",
    "roster.members.v1": "compact",
    "roster.contacts.v1": "compact",
    "roster.groups.v1": "compact",
    "directive.events.v1": "delete",
    "dispatch.deliveries.flash.v1": "delete",
    "dispatch.deliveries.v1": "delete",
    "dispatch.receipts.v1": "delete",
    "dispatch.replies.v1": "delete",
    "story.events.v1": "delete",
    "alert.events.v1": "delete",
    "publish.requests.v1": "delete",
    "publish.results.v1": "delete",
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE)


def test_every_architecture_topic_is_declared_with_its_cleanup_policy(
    catalogue: Catalogue,
) -> None:
    declared = {t.name: t.config.get("cleanup.policy") for t in catalogue.topics}
    assert {name: declared.get(name) for name in ARCHITECTURE_TOPICS} == ARCHITECTURE_TOPICS


def test_every_topic_has_a_delete_dlq_twin_with_personal_data_kept_7_days(
    catalogue: Catalogue,
) -> None:
    resolved = {t.name: t for t in catalogue.resolve("local")}
    for name in ARCHITECTURE_TOPICS:
        twin = resolved[f"{name}.dlq"]
        assert twin.config["cleanup.policy"] == "delete"
        days = 7 if name.startswith("roster.") else 30
        assert twin.config["retention.ms"] == str(days * DAY_MS), name


def test_compacted_topics_bound_how_long_an_erased_record_survives(catalogue: Catalogue) -> None:
    for topic in catalogue.topics:
        if topic.config.get("cleanup.policy") == "compact":
            assert int(topic.config["max.compaction.lag.ms"]) <= 7 * DAY_MS
            assert "min.compaction.lag.ms" in topic.config
            assert "delete.retention.ms" in topic.config


def test_delivery_and_receipt_topics_have_more_partitions(catalogue: Catalogue) -> None:
    partitions = {t.name: t.partitions for t in catalogue.topics}
    assert partitions["dispatch.deliveries.v1"] == 12
    assert partitions["dispatch.deliveries.flash.v1"] == 12
    assert partitions["dispatch.receipts.v1"] == 12
    assert partitions["directive.events.v1"] == 6


def test_environment_overrides(catalogue: Catalogue) -> None:
    local = {t.name: t for t in catalogue.resolve("local")}
    compose = {t.name: t for t in catalogue.resolve("compose")}
    assert local["directive.events.v1"].replication_factor == 1
    assert "min.insync.replicas" not in local["directive.events.v1"].config
    assert compose["directive.events.v1"].replication_factor == 3
    assert compose["directive.events.v1.dlq"].config["min.insync.replicas"] == "2"
    assert catalogue.resolve("compose", replication_factor=1)[0].replication_factor == 1
    with pytest.raises(KeyError):
        catalogue.resolve("nowhere")


def test_config_values_become_strings() -> None:
    spec = TopicSpec(name="a.v1", partitions=1, config={"retention.ms": 5, "x": True})
    assert spec.config == {"retention.ms": "5", "x": "true"}


def test_a_dlq_twin_may_not_collide_with_a_declared_topic() -> None:
    with pytest.raises(ValidationError, match="declared twice"):
        Catalogue(
            topics=[
                TopicSpec(name="a.v1", partitions=1),
                TopicSpec(name="a.v1.dlq", partitions=1, dlq=False),
            ]
        )


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Catalogue.model_validate({"topics": [{"name": "a", "partitions": 1, "partition": 2}]})
