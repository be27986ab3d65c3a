from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from nazar_platform.kafka.catalogue import DAY_MS, Catalogue, TopicSpec, load_catalogue
from nazar_platform.kafka.topics import bootstrap

from tests.conftest import TopicFactory

CATALOGUE = Path(__file__).resolve().parents[2] / "deploy" / "topics.yaml"


@pytest.fixture
async def admin(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await client.start()
    yield client
    await client.close()


async def partition_count(admin: AIOKafkaAdminClient, topic: str) -> int:
    (described,) = await admin.describe_topics([topic])
    return len(described["partitions"])


async def topic_configs(admin: AIOKafkaAdminClient, topic: str) -> dict[str, str]:
    (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    (resource,) = response.to_object()["resources"]
    return {e["config_names"]: e["config_value"] for e in resource["config_entries"]}


async def test_bootstrap_of_the_catalogue_is_idempotent(kafka_bootstrap: str) -> None:
    catalogue = load_catalogue(CATALOGUE)
    await bootstrap(catalogue, kafka_bootstrap)
    second = await bootstrap(catalogue, kafka_bootstrap)
    assert second.created == []
    assert not second.changed
    assert len(second.unchanged) == len(catalogue.resolve("local"))


async def test_catalogue_topics_and_dlq_twins_exist_with_their_policies(
    kafka_bootstrap: str, admin: AIOKafkaAdminClient
) -> None:
    catalogue = load_catalogue(CATALOGUE)
    await bootstrap(catalogue, kafka_bootstrap)
    existing = set(await admin.list_topics())
    for topic in catalogue.topics:
        twin = f"{topic.name}.dlq"
        assert {topic.name, twin} <= existing
        assert await partition_count(admin, topic.name) == topic.partitions
        config = await topic_configs(admin, twin)
        assert config["cleanup.policy"] == "delete"
        # A twin of a topic with personal data keeps it for the short retention only.
        days = 7 if topic.personal_data else 30
        assert config["retention.ms"] == str(days * DAY_MS), twin
    members = await topic_configs(admin, "roster.members.v1")
    assert members["cleanup.policy"] == "compact"


async def test_partitions_are_increased_never_decreased(
    kafka_bootstrap: str, admin: AIOKafkaAdminClient, new_topic: TopicFactory
) -> None:
    name = await new_topic("grow", partitions=1, dlq=False)

    def declare(partitions: int) -> Catalogue:
        return Catalogue(topics=[TopicSpec(name=name, partitions=partitions, dlq=False)])

    grown = await bootstrap(declare(3), kafka_bootstrap)
    assert grown.partitions_increased == {name: (1, 3)}
    assert await partition_count(admin, name) == 3

    shrunk = await bootstrap(declare(2), kafka_bootstrap)
    assert shrunk.partitions_above_declared == {name: (3, 2)}
    assert not shrunk.changed
    assert await partition_count(admin, name) == 3


async def test_configs_are_reconciled_to_the_declared_set(
    kafka_bootstrap: str, admin: AIOKafkaAdminClient, new_topic: TopicFactory
) -> None:
    name = await new_topic("conf", config={"retention.ms": "3600000"}, dlq=False)
    # Someone changes the topic by hand: a different retention and an undeclared setting.
    await admin.alter_configs(
        [
            ConfigResource(
                ConfigResourceType.TOPIC,
                name,
                {"retention.ms": "1000", "max.message.bytes": "2000000"},
            )
        ]
    )
    declared = Catalogue(
        topics=[TopicSpec(name=name, partitions=1, dlq=False, config={"retention.ms": "7200000"})]
    )
    report = await bootstrap(declared, kafka_bootstrap)
    assert report.configs_changed == {
        name: {"retention.ms": ("1000", "7200000"), "max.message.bytes": ("2000000", None)}
    }
    config = await topic_configs(admin, name)
    assert config["retention.ms"] == "7200000"
    assert config["max.message.bytes"] != "2000000"
    assert not (await bootstrap(declared, kafka_bootstrap)).changed


async def test_new_topic_fixture_creates_topic_and_twin(
    admin: AIOKafkaAdminClient, new_topic: TopicFactory
) -> None:
    name = await new_topic("fixture", partitions=2, personal_data=True)
    assert name.startswith("test.fixture.")
    assert await partition_count(admin, name) == 2
    twin = await topic_configs(admin, f"{name}.dlq")
    assert twin["retention.ms"] == str(7 * DAY_MS)
