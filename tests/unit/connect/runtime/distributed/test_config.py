"""Distributed worker properties: Kafka Connect's keys, parsed once; a bad one is named."""

from __future__ import annotations

import pytest

from connect.errors import ConfigException
from connect.runtime.distributed.config import DistributedConfig
from connect.runtime.distributed.protocol import ConnectProtocol

BASE = {
    "group.id": "g",
    "config.storage.topic": "c",
    "offset.storage.topic": "o",
    "status.storage.topic": "s",
}


def test_defaults_are_kafka_connects():
    config = DistributedConfig.parse(BASE)
    assert (config.offset_topic.partitions, config.status_topic.partitions, config.config_topic.partitions) == (
        25,
        5,
        1,
    )
    assert config.config_topic.replication_factor == 3
    assert config.scheduled_rebalance_max_delay_ms == 300_000
    assert config.protocol is ConnectProtocol.SESSIONED
    assert not config.exactly_once
    assert config.task_transactional_id("conn", 2) == "g-conn-2"
    assert config.leader_transactional_id == "connect-cluster-g"


@pytest.mark.parametrize("missing", sorted(BASE))
def test_each_required_key_is_named_when_missing(missing):
    with pytest.raises(ConfigException, match=missing.replace(".", r"\.")):
        DistributedConfig.parse({k: v for k, v in BASE.items() if k != missing})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("connect.protocol", "eager"),
        ("exactly.once.source.support", "maybe"),
        ("offset.storage.replication.factor", "0"),
        ("heartbeat.interval.ms", "20000"),  # not below session.timeout.ms
    ],
)
def test_bad_values_are_named(key, value):
    with pytest.raises(ConfigException, match=key.replace(".", r"\.")):
        DistributedConfig.parse({**BASE, key: value})


def test_broker_default_replication_is_allowed():
    assert (
        DistributedConfig.parse({**BASE, "status.storage.replication.factor": "-1"}).status_topic.replication_factor
        == -1
    )
