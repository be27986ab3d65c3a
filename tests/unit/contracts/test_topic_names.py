"""Topic constants against the catalogue that creates the topics (deploy/topics.yaml)."""

from __future__ import annotations

from nazar_contracts import topics
from nazar_contracts.registry import SPECS
from nazar_platform.kafka.catalogue import load_catalogue

from tests.unit.contracts.support import ROOT


def test_every_registry_and_constant_topic_is_declared_with_its_cleanup_policy() -> None:
    catalogue = {t.name: t for t in load_catalogue(ROOT / "deploy" / "topics.yaml").topics}
    for spec in SPECS:
        for name in spec.topics:
            assert name in catalogue, f"{spec.type} is published to undeclared topic {name}"
    for topic in topics.TOPICS:
        assert topic.name in catalogue, topic.name
        assert catalogue[topic.name].config["cleanup.policy"] == topic.cleanup, topic.name
        # Topics with names or numbers must keep their dead letters briefly.
        assert catalogue[topic.name].personal_data == topic.name.startswith(("roster.", "auth.")), (
            topic.name
        )


def test_constants_are_the_topic_table() -> None:
    constants = {
        value
        for name, value in vars(topics).items()
        if name.isupper() and isinstance(value, str) and name != "DLQ_SUFFIX"
    }
    assert constants == topics.TOPIC_NAMES
    assert len(topics.TOPICS) == len(topics.TOPIC_NAMES) == 16
