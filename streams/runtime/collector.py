"""RecordCollector: the application's one producer, and how a commit happens under each guarantee.

At least once: outputs and changelog writes are sent as they come; a commit flushes the producer (every
record acknowledged, or the commit fails) and then commits the input offsets.
Exactly once: everything sent between two commits is one transaction; the commit adds the input offsets to
it (`send_offsets_to_transaction`) and commits it. The transactional id is stable per state directory, so a
restarted instance fences its dead predecessor and aborts its open transaction at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from streams.config import StreamsConfig
from streams.errors import StreamsError

log = logging.getLogger(__name__)


class RecordCollector:
    def __init__(self, config: StreamsConfig, process_id: str) -> None:
        props: dict[str, Any] = {
            "bootstrap.servers": config.bootstrap_servers,
            "client.id": f"{config.application_id}-{process_id[:8]}-producer",
            "partitioner": config.partitioner,
            "linger.ms": 5,
            "enable.idempotence": True,
            "on_delivery": self._delivered,
        }
        self.exactly_once = config.exactly_once
        if self.exactly_once:
            props["transactional.id"] = f"{config.application_id}-{process_id}"
            props["transaction.timeout.ms"] = config.transaction_timeout_ms
        props.update(config.producer)
        self.producer = Producer(props)
        self._produce = self.producer.produce
        self._errors: list[str] = []
        self._in_transaction = False
        if self.exactly_once:
            self.producer.init_transactions(30)

    def _delivered(self, err: Any, msg: Any) -> None:
        if err is not None:
            self._errors.append(f"{msg.topic()}: {err}")

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None = None,
        timestamp: int = 0,
        on_delivery: Callable[[Any, Any], None] | None = None,
    ) -> None:
        if self.exactly_once and not self._in_transaction:
            self.producer.begin_transaction()
            self._in_transaction = True
        try:
            if partition is None and on_delivery is None:
                self._produce(topic, value, key, timestamp=timestamp)
            else:
                self._produce_slow(topic, key, value, partition, timestamp, on_delivery)
        except BufferError:  # the local queue is full: let deliveries drain it, then try again
            while True:
                self.producer.poll(0.05)
                try:
                    self._produce_slow(topic, key, value, partition, timestamp, on_delivery)
                    return
                except BufferError:
                    continue

    def _produce_slow(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: int,
        on_delivery: Callable[[Any, Any], None] | None,
    ) -> None:
        kwargs: dict[str, Any] = {"timestamp": timestamp}
        if partition is not None and partition >= 0:
            kwargs["partition"] = partition
        if on_delivery is not None:
            kwargs["on_delivery"] = on_delivery
        self._produce(topic, value, key, **kwargs)

    def send_raw(
        self, topic: str, partition: int, key: bytes, value: bytes | None, on_delivery: Callable[[Any, Any], None]
    ) -> None:
        """A changelog write: explicit partition, a delivery callback that records its offset."""
        self.send(topic, key, value, partition, 0, on_delivery)

    def send_with_headers(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        if self.exactly_once and not self._in_transaction:
            self.producer.begin_transaction()
            self._in_transaction = True
        self.producer.produce(topic, value, key, headers=headers)

    def partitions(self, topic: str) -> int:
        """How many partitions `topic` has (for a user partitioner)."""
        metadata = self.producer.list_topics(topic, timeout=30).topics.get(topic)
        if metadata is None or metadata.error is not None or not metadata.partitions:
            raise StreamsError(f"output topic {topic} does not exist; create it before writing to it")
        return len(metadata.partitions)

    def poll(self) -> None:
        self.producer.poll(0)

    def commit(self, offsets: list[TopicPartition], consumer: Consumer) -> None:
        """Make everything sent so far durable and move the input offsets past what produced it."""
        if self.exactly_once:
            if not offsets and not self._in_transaction:
                return
            if not self._in_transaction:
                self.producer.begin_transaction()
                self._in_transaction = True
            try:
                if offsets:
                    self.producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), 30)
                self.producer.commit_transaction(60)
                self.producer.poll(0)  # serve delivery reports: changelog offsets for the checkpoints
            except KafkaException as exc:
                self.abort()
                raise StreamsError(f"transaction commit failed: {exc}") from exc
            finally:
                self._in_transaction = False
            self._raise_errors()
            return
        remaining = self.producer.flush(60)
        if remaining:
            raise StreamsError(f"{remaining} records were not acknowledged by Kafka within 60 s")
        self._raise_errors()
        if offsets:
            consumer.commit(offsets=offsets, asynchronous=False)

    def abort(self) -> None:
        if self.exactly_once and self._in_transaction:
            try:
                self.producer.abort_transaction(30)
            except KafkaException as exc:
                log.warning("aborting the transaction failed: %s", exc)
            self._in_transaction = False

    def _raise_errors(self) -> None:
        if self._errors:
            first, count = self._errors[0], len(self._errors)
            self._errors.clear()
            raise StreamsError(f"{count} records could not be written, first: {first}")

    def close(self) -> None:
        self.abort()
        self.producer.flush(10)
