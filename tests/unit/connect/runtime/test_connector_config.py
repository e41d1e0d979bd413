"""ConnectorConfig: a connector's config parsed once, typed, with what it inherits from the worker."""

from __future__ import annotations

import pytest
from confluent_kafka import Consumer

from connect.errors import ConfigException
from connect.runtime.connector_config import ConnectorConfig
from connect.runtime.kafka_clients import KafkaClients
from connect.runtime.validation import validate_connector_config
from connect.runtime.worker_config import WorkerConfig
from tests.support.plugins import fake_registry

REGISTRY = fake_registry()
WORKER = WorkerConfig.parse(
    {
        "key.converter": "JsonConverter",
        "key.converter.schemas.enable": "${env:SCHEMAS}",
        "consumer.fetch.min.bytes": "1",
    }
)
SOURCE = {"name": "src", "connector.class": "counting", "topic": "t"}
SINK = {"name": "snk", "connector.class": "collecting", "topics": "a, b"}


def parse(props, worker=WORKER):
    return ConnectorConfig.parse(REGISTRY, worker, props)


def test_dead_letter_keys_are_declared_and_applied_for_sources_too():
    dlq = {"errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dead"}
    assert validate_connector_config(REGISTRY, {**SOURCE, **dlq})["error_count"] == 0
    errors = parse({**SOURCE, **dlq, "errors.deadletterqueue.topic.replication.factor": "1"}).errors
    assert (errors.tolerance_all, errors.dead_letter_topic, errors.dead_letter_replication_factor) == (True, "dead", 1)
    with pytest.raises(ConfigException, match=r"errors\.deadletterqueue\.topic\.replication\.factor"):
        parse({**SOURCE, "errors.deadletterqueue.topic.replication.factor": "many"})


def test_a_converter_override_brings_only_its_own_settings():
    inherited = parse(SOURCE)
    assert inherited.key_converter.class_name == "JsonConverter"
    assert inherited.key_converter.settings == {"schemas.enable": "${env:SCHEMAS}"}  # the worker's, as written
    own = parse({**SOURCE, "key.converter": "StringConverter", "key.converter.encoding": "latin-1"})
    assert (own.key_converter.class_name, dict(own.key_converter.settings)) == (
        "StringConverter",
        {"encoding": "latin-1"},
    )


def test_sinks_subscribe_to_their_topics_or_their_regex():
    assert parse(SINK).subscription == ("a", "b")
    regex = {**SINK, "topics": "", "topics.regex": "orders\\..*"}
    assert parse(regex).subscription == ("^orders\\..*",)
    assert parse(SOURCE).subscription == ()


def test_max_poll_records_sizes_the_batch_and_stays_out_of_the_consumer_settings():
    config = parse({**SINK, "consumer.override.max.poll.records": "42"})
    assert config.max_poll_records == 42
    assert parse(SINK).max_poll_records == 500
    settings = KafkaClients(WORKER).consumer_config(config, 0)
    assert "max.poll.records" not in settings
    Consumer(settings).close()  # librdkafka refuses a key it does not know


def test_client_overrides_follow_the_worker_policy():
    closed = WorkerConfig.parse({"connector.client.config.override.policy": "None"})
    config = parse({**SOURCE, "producer.override.linger.ms": "50"}, closed)
    with pytest.raises(ConfigException, match=r"producer\.override\.linger\.ms"):
        KafkaClients(closed).producer_config(config)
    assert (
        KafkaClients(WORKER).producer_config(parse({**SOURCE, "producer.override.linger.ms": "50"}))["linger.ms"]
        == "50"
    )


def test_source_topic_creation_settings():
    config = parse(
        {
            **SOURCE,
            "topic.creation.default.partitions": "3",
            "topic.creation.default.replication.factor": "1",
            "topic.creation.default.cleanup.policy": "compact",
        }
    )
    creation = config.topic_creation
    assert (creation.partitions, creation.replication_factor, dict(creation.configs)) == (
        3,
        1,
        {"cleanup.policy": "compact"},
    )
