"""Creates the topics a source connector writes to, once per topic, per `topic.creation.default.*`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

log = logging.getLogger(__name__)

BROKER_DEFAULT = -1


@dataclass(frozen=True, slots=True)
class TopicCreationConfig:
    """How to create a missing topic: partitions and replication factor (-1: the broker's default), topic configs."""

    partitions: int = BROKER_DEFAULT
    replication_factor: int = BROKER_DEFAULT
    configs: Mapping[str, str] = field(default_factory=dict)


class TopicCreator:
    def __init__(self, admin: AdminClient, config: TopicCreationConfig) -> None:
        self._admin = admin
        self._config = config
        self._known: set[str] = set()

    def ensure(self, topic: str) -> None:
        if topic in self._known:
            return
        new = NewTopic(
            topic, self._config.partitions, self._config.replication_factor, config=dict(self._config.configs)
        )
        futures = self._admin.create_topics([new], request_timeout=15)
        try:
            futures[topic].result(timeout=20)
            log.info("created topic %s", topic)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        self._known.add(topic)
