"""Config: defaults, Redis Inc.'s names, and the rules that span keys (reported on the key to change)."""

from __future__ import annotations

import pytest

from connect.errors import ConfigException
from connectors.redis.config import DataType, Mode, PushDirection, RedisSinkConfig
from connectors.redis.connector import RedisSinkConnector


def test_defaults_are_redis_incs():
    c = RedisSinkConfig.parse({})
    assert (c.uri, c.data_type, c.prefix, c.separator, c.push_direction, c.multiexec, c.mode, c.ttl) == (
        "redis://localhost:6379",
        DataType.STREAM,
        "${topic}",
        ":",
        PushDirection.LEFT,
        False,
        Mode.WRITE,
        0,
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("HSET", (DataType.HASH, PushDirection.LEFT, Mode.WRITE)),
        ("RPUSH", (DataType.LIST, PushDirection.RIGHT, Mode.WRITE)),
        ("JSONSET", (DataType.JSON, PushDirection.LEFT, Mode.WRITE)),
        ("DEL", (DataType.STRING, PushDirection.LEFT, Mode.INVALIDATE)),
    ],
)
def test_redis_command_wins_over_type_direction_and_mode(command, expected):
    c = RedisSinkConfig.parse({"redis.command": command, "redis.type": "SET"})
    assert (c.data_type, c.push_direction, c.mode) == expected


def test_type_names_are_case_insensitive_and_sorted_set_means_zset():
    assert RedisSinkConfig.parse({"redis.type": "hash"}).data_type is DataType.HASH
    assert RedisSinkConfig.parse({"redis.type": "sorted set"}).data_type is DataType.ZSET


@pytest.mark.parametrize(
    ("props", "key", "reason"),
    [
        ({"redis.uri": "http://localhost:6379"}, "redis.uri", "expected a redis://, rediss:// or unix:// URI"),
        ({"redis.uri": "redis://localhost:port"}, "redis.uri", "not a valid URI"),
        ({"redis.uri": "redis://localhost:6379/zero"}, "redis.uri", "must be a number"),
        ({"redis.type": "GRAPH"}, "redis.type", "String must be one of"),
        ({"redis.key.ttl": "-1"}, "redis.key.ttl", "at least 0"),
        ({"redis.key.field": "id", "redis.key.template": "o:{id}"}, "redis.key.template", "not both"),
        ({"redis.type": "SET", "redis.key.prefix": ""}, "redis.key.prefix", "needs a prefix"),
        ({"redis.multiexec": "true", "redis.cluster": "true"}, "redis.multiexec", "not available with a Redis Cluster"),
    ],
)
def test_bad_values_name_the_key(props, key, reason):
    with pytest.raises(ConfigException, match=reason) as info:
        RedisSinkConfig.parse(props)
    assert info.value.name == key
    errors = RedisSinkConnector().validate(props)[key].errors
    assert len(errors) == 1 and reason.split()[0] in errors[0]


def test_the_password_stays_hidden_and_the_server_is_named_without_credentials():
    c = RedisSinkConfig.parse({"redis.uri": "rediss://app:secret@cache.example:6380/2", "redis.password": "p"})
    assert c.password == "p" and c.where == "cache.example:6380"
    with pytest.raises(ConfigException) as info:
        RedisSinkConfig.parse({"redis.uri": "redis://app:s3cret@cache.example:port"})
    assert "s3cret" not in str(info.value) and "redis://app:[hidden]@cache.example:port" in str(info.value)


def test_connector_gives_each_task_the_whole_config():
    connector = RedisSinkConnector()
    connector.start({"redis.type": "HASH", "topics": "a"})
    assert connector.task_configs(3) == [{"redis.type": "HASH", "topics": "a"}] * 3
    with pytest.raises(ConfigException, match=r"redis\.type"):
        connector.start({"redis.type": "nope"})
