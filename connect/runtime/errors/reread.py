"""Reading a consumed record again by its position, for a sink task that reports a record it no longer holds.

A sink that keeps only what its writes need (the Elasticsearch sink's bulk actions hold the document
bytes, not the record) reports a rejected record by position; the dead-letter topic still gets the
original key, value and headers, read here from Kafka. Rejections are rare: the consumer is made on the
first one, assigned to each position in turn, and closed with the task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message
from confluent_kafka import TopicPartition as KafkaTopicPartition

from connect.data import RecordPosition
from connect.runtime.errors.context import RawMessage, raw_message

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0


class MessageReader:
    """Reads single records by position with the task's consumer settings; one consumer, made when first needed."""

    def __init__(self, consumer_config: Mapping[str, Any]) -> None:
        # The task's own settings (servers, security, isolation); assigned, so never part of its group, and
        # never committing. A position below the log start resets to the earliest record kept (then past the
        # position: gone), and the end of the partition says so at once instead of polling to the timeout.
        self._config = {
            **consumer_config,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            # Assigned only while it reads: a fetch left waiting at the partition's end would hold up the next
            # read's (up to 500 ms by default), and nothing is fetched between reads.
            "fetch.wait.max.ms": 10,
        }
        self._consumer: Consumer | None = None

    def read(self, position: RecordPosition) -> RawMessage:
        """The record as stored at `position`; without key and value when it cannot be read (gone by retention,
        or Kafka unreachable within 10 s): the error handling then still gets where it was."""
        try:
            msg = self._fetch(position)
        except KafkaException as exc:
            log.warning("could not read %s again for the error handling: %s", position, exc)
            msg = None
        if msg is None:
            return RawMessage(position.topic, position.kafka_partition, position.kafka_offset, None, None, [])
        return raw_message(msg)

    def _fetch(self, position: RecordPosition) -> Message | None:
        if self._consumer is None:
            self._consumer = Consumer(self._config)
        consumer = self._consumer
        consumer.assign([KafkaTopicPartition(position.topic, position.kafka_partition, position.kafka_offset)])
        deadline = time.monotonic() + TIMEOUT_S
        try:
            while (left := deadline - time.monotonic()) > 0:
                msg = consumer.poll(min(left, 1.0))
                if msg is None:
                    continue
                error = msg.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:  # nothing at or after it: gone (or never was)
                        log.warning("%s is no longer in Kafka (the partition ends before it)", position)
                        return None
                    continue
                if msg.offset() == position.kafka_offset:
                    return msg
                if msg.offset() > position.kafka_offset:  # compacted or deleted: the first one after it
                    log.warning("%s is no longer in Kafka (compacted or deleted)", position)
                    return None
            log.warning("could not read %s again for the error handling within %.0f s", position, TIMEOUT_S)
            return None
        finally:
            consumer.unassign()

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
