"""The sink's settings: Confluent's keys and defaults, and clear errors naming the key."""

from __future__ import annotations

import pytest

from connect.errors import ConfigException
from connectors.elasticsearch.config import EsSinkConfig, MalformedDocs, NullValues, WriteMethod
from connectors.elasticsearch.connector import ElasticsearchSinkConnector


def test_defaults_are_confluents():
    c = EsSinkConfig.parse({"connection.url": "es1:9200, https://es2:9243"})
    assert c.hosts == ("http://es1:9200", "https://es2:9243")
    assert (c.batch_size, c.max_in_flight, c.max_buffered, c.linger_ms, c.flush_timeout_ms) == (
        2000,
        5,
        20000,
        1,
        180_000,
    )
    assert (c.max_retries, c.retry_backoff_ms, c.connect_timeout_ms, c.read_timeout_ms) == (5, 100, 1000, 3000)
    assert (c.key_ignore, c.schema_ignore, c.drop_invalid, c.compression) == (False, False, False, False)
    assert (c.write_method, c.null_values, c.malformed) == (WriteMethod.INSERT, NullValues.FAIL, MalformedDocs.FAIL)
    assert c.username is None and c.password is None


def test_the_password_is_a_secret_until_used():
    c = EsSinkConfig.parse(
        {"connection.url": "http://es:9200", "connection.username": "elastic", "connection.password": "s3cret"}
    )
    assert c.password == "s3cret"
    assert "s3cret" not in repr(
        ElasticsearchSinkConnector.config_def.parse(
            {"connection.url": "http://es:9200", "connection.password": "s3cret"}
        )
    )


def test_per_topic_overrides():
    c = EsSinkConfig.parse(
        {"connection.url": "http://es:9200", "topic.key.ignore": "logs, metrics", "topic.schema.ignore": "logs"}
    )
    assert c.ignores_key("logs") and c.ignores_key("metrics") and not c.ignores_key("orders")
    assert c.ignores_schema("logs") and not c.ignores_schema("metrics")


@pytest.mark.parametrize(
    ("props", "key", "fragment"),
    [
        ({}, "connection.url", "Missing required"),
        ({"connection.url": " "}, "connection.url", "At least one"),
        ({"connection.url": "ftp://es:21"}, "connection.url", "http:// or https://"),
        ({"connection.url": "http://es:port"}, "connection.url", "not a valid URL"),
        ({"connection.url": "http://es", "write.method": "merge"}, "write.method", "insert, upsert"),
        ({"connection.url": "http://es", "behavior.on.null.values": "drop"}, "behavior.on.null.values", "ignore"),
        ({"connection.url": "http://es", "batch.size": "0"}, "batch.size", "at least 1"),
    ],
)
def test_bad_settings_name_the_key(props, key, fragment):
    with pytest.raises(ConfigException) as info:
        EsSinkConfig.parse(props)
    assert info.value.name == key and fragment in str(info.value)


def test_the_connector_hands_every_task_the_same_settings():
    connector = ElasticsearchSinkConnector()
    props = {"connection.url": "http://es:9200", "topics": "a,b"}
    connector.start(props)
    assert connector.task_configs(3) == [props, props, props]
