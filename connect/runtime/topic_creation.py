"""Creates the topics a source connector writes to, once per topic, per `topic.creation.default.*`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

log = logging.getLogger(__name__)


class TopicCreator:
    def __init__(self, admin: AdminClient, props: Mapping[str, Any]) -> None:
        self._admin = admin
        self._partitions = int(props.get("topic.creation.default.partitions", -1))
        self._replication = int(props.get("topic.creation.default.replication.factor", -1))
        self._configs = {
            k[len("topic.creation.default.") :]: str(v)
            for k, v in props.items()
            if k.startswith("topic.creation.default.")
            and k not in ("topic.creation.default.partitions", "topic.creation.default.replication.factor")
        }
        self._known: set[str] = set()

    def ensure(self, topic: str) -> None:
        if topic in self._known:
            return
        futures = self._admin.create_topics(
            [NewTopic(topic, self._partitions, self._replication, config=self._configs)], request_timeout=15
        )
        try:
            futures[topic].result(timeout=20)
            log.info("created topic %s", topic)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        self._known.add(topic)
