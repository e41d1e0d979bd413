"""The Kafka clients the Worker makes: one admin client, and the settings of each task's producer and consumer.

A sink connector's consumer group is `connect-<connector>` (as Kafka Connect): `sink_group_id`
is the one place that name is built.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confluent_kafka.admin import AdminClient

from connect.errors import ConfigException
from connect.runtime.connector_config import SINK_CONSUMER_CONFIG, ConnectorConfig
from connect.runtime.kafka_logging import LIBRDKAFKA
from connect.runtime.topic_creation import TopicCreationConfig, TopicCreator
from connect.runtime.worker_config import WorkerConfig

log = logging.getLogger(__name__)

PRODUCER_DEFAULTS = {
    "logger": LIBRDKAFKA,
    "acks": "all",
    "enable.idempotence": True,
    # Java's default partitioner for keyed records (librdkafka's default, consistent_random, hashes with CRC32):
    # the same key lands on the same partition as under Kafka Connect and Debezium.
    "partitioner": "murmur2_random",
    "linger.ms": 5,
    "compression.type": "none",
    "queue.buffering.max.messages": 200_000,
    # Memory is bounded by configuration, not by how far Kafka lags: a backlog waits in Postgres, not here.
    "queue.buffering.max.kbytes": 32_768,
}
CONSUMER_DEFAULTS = {
    "logger": LIBRDKAFKA,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "enable.partition.eof": False,
    "isolation.level": "read_committed",
    "queued.max.messages.kbytes": 4_096,  # pre-fetched per consumer (librdkafka default: 64 MB)
    # Once those 4 MB are queued, librdkafka stops fetching for fetch.queue.backoff.ms (default 1 s): a sink
    # behind by more than that then waits up to a second for data the broker holds, and catches up at ~4 MB/s.
    "fetch.queue.backoff.ms": 20,
}


def sink_group_id(connector: str) -> str:
    """The consumer group of a sink connector's tasks."""
    return f"connect-{connector}"


def _client_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """librdkafka accepts strings for everything; keep bools/ints as they are."""
    return {k: v for k, v in props.items() if v is not None}


class KafkaClients:
    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self._admin: AdminClient | None = None

    @property
    def admin(self) -> AdminClient:
        if self._admin is None:
            self._admin = AdminClient(
                _client_props({"bootstrap.servers": self.config.bootstrap_servers, **self.config.admin})
            )
        return self._admin

    def cluster_id(self, timeout: float = 10.0) -> str | None:
        try:
            return self.admin.list_topics(timeout=timeout).cluster_id
        except Exception as exc:
            log.warning("cannot reach Kafka at %s: %s", self.config.bootstrap_servers, exc)
            return None

    def producer_config(self, connector: ConnectorConfig, suffix: str = "") -> dict[str, Any]:
        props = {
            **PRODUCER_DEFAULTS,
            "bootstrap.servers": self.config.bootstrap_servers,
            "client.id": f"{self.config.client_id_prefix}-{connector.name}{suffix}",
            **self.config.producer,
            **self._overrides(connector.producer_overrides, "producer.override."),
        }
        return _client_props(props)

    def consumer_config(self, connector: ConnectorConfig, task: int) -> dict[str, Any]:
        props = {
            **CONSUMER_DEFAULTS,
            "bootstrap.servers": self.config.bootstrap_servers,
            "group.id": sink_group_id(connector.name),
            "client.id": f"{self.config.client_id_prefix}-{connector.name}-{task}",
            **self.config.consumer,
            **self._overrides(connector.consumer_overrides, "consumer.override."),
        }
        return _client_props({k: v for k, v in props.items() if k not in SINK_CONSUMER_CONFIG})

    def _overrides(self, overrides: Mapping[str, Any], prefix: str) -> Mapping[str, Any]:
        if overrides and not self.config.client_overrides_allowed:
            raise ConfigException(
                prefix + next(iter(overrides)),
                None,
                "client overrides are disabled by connector.client.config.override.policy=None",
            )
        return overrides

    def ensure_dead_letter_topic(self, topic: str, replication: int) -> None:
        try:
            brokers = len(self.admin.list_topics(timeout=10).brokers)
        except Exception:
            brokers = 1
        if replication > brokers:
            log.warning(
                "dead-letter topic %s: replication factor %d capped to the %d broker(s) available",
                topic,
                replication,
                brokers,
            )
            replication = brokers
        TopicCreator(self.admin, TopicCreationConfig(replication_factor=replication)).ensure(topic)
