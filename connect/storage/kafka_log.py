"""KafkaBasedLog: a compacted topic every worker reads whole, as the Kafka-topic stores' shared log.

`start()` creates the topic when absent (compacted, with the partitions and replication factor
asked), checks an existing one is compacted, and reads it to its end before returning. From
then on a background thread reads every new record, from any writer, and hands it to the
store's `on_record` callback (in log order per partition). `read_to_end()` waits until the
thread has applied everything written before the call; `send()` writes through an idempotent
producer (acks=all).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    IsolationLevel,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, OffsetSpec, ResourceType

from connect.errors import ConnectException

log = logging.getLogger(__name__)

RecordCallback = Callable[[Message], None]


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """How a store's topic is created when absent (Kafka Connect's settings: compacted)."""

    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str] = field(default_factory=dict)
    setting: str = ""  # the worker key that names the topic, for error messages


def ensure_compacted_topic(admin: AdminClient, spec: TopicSpec, timeout: float = 30.0) -> None:
    """Create the topic when absent; refuse an existing one that is not compacted (records would be deleted)."""
    metadata = admin.list_topics(timeout=timeout)
    if spec.name not in metadata.topics:
        replication = spec.replication_factor
        brokers = len(metadata.brokers)
        if 0 < brokers < replication:
            log.warning(
                "topic %s: replication factor %d capped to the %d broker(s) available", spec.name, replication, brokers
            )
            replication = brokers
        new = NewTopic(spec.name, spec.partitions, replication, config={"cleanup.policy": "compact", **spec.configs})
        try:
            admin.create_topics([new], request_timeout=timeout)[spec.name].result(timeout)
            log.info("created topic %s (%d partitions, compacted)", spec.name, spec.partitions)
            return
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise ConnectException(f"cannot create topic {spec.name} ({spec.setting}): {exc}") from exc
    resource = ConfigResource(ResourceType.TOPIC, spec.name)
    configs = admin.describe_configs([resource], request_timeout=timeout)[resource].result(timeout)
    policy = configs["cleanup.policy"].value if "cleanup.policy" in configs else "delete"
    if "delete" in policy.split(",") or "compact" not in policy:
        raise ConnectException(
            f"Topic '{spec.name}' supplied via the '{spec.setting}' property is required to have "
            f"'cleanup.policy=compact' to guarantee consistency and durability of its records, but found "
            f"'cleanup.policy={policy}'. Change the topic's cleanup policy or name another topic."
        )


def decode_record(message: Message) -> tuple[str, Any]:
    """A store record's key as text and value as JSON (None for a tombstone); ValueError when malformed."""
    raw_key, raw_value = message.key(), message.value()
    key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
    try:
        return key, None if raw_value is None else orjson.loads(raw_value)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"record {key} at offset {message.offset()} is not JSON: {exc}") from None


class KafkaBasedLog:
    def __init__(
        self,
        spec: TopicSpec,
        *,
        admin: AdminClient,
        client_props: Mapping[str, Any],
        on_record: RecordCallback,
        producer_props: Mapping[str, Any] | None = None,
        read_committed: bool = False,
        client_id: str = "connect-log",
    ) -> None:
        self.spec = spec
        self._admin = admin
        self._on_record = on_record
        self._read_committed = read_committed
        base = {k: v for k, v in client_props.items() if v is not None}
        self._consumer = Consumer(
            {
                **base,
                "group.id": f"{client_id}-reader",  # never joined or committed: partitions are assigned
                "client.id": client_id,
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "isolation.level": "read_committed" if read_committed else "read_uncommitted",
                "auto.offset.reset": "earliest",
            }
        )
        self._producer = Producer(
            {
                **base,
                "client.id": client_id,
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 0,
                **(producer_props or {}),
            }
        )
        self._positions: dict[int, int] = {}
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._partitions: list[int] = []

    @property
    def producer(self) -> Producer:
        return self._producer

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        ensure_compacted_topic(self._admin, self.spec)
        topic = self._admin.list_topics(self.spec.name, timeout=timeout).topics[self.spec.name]
        self._partitions = sorted(topic.partitions)
        self._positions = dict.fromkeys(self._partitions, 0)
        self._consumer.assign([TopicPartition(self.spec.name, p, OFFSET_BEGINNING) for p in self._partitions])
        self._thread = threading.Thread(target=self._run, name=f"log-{self.spec.name}", daemon=True)
        self._thread.start()
        if not self.read_to_end(timeout):
            raise ConnectException(f"could not read topic {self.spec.name} to its end within {timeout:.0f} s")

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)
        self._producer.flush(10)
        self._consumer.close()

    # -- reading ---------------------------------------------------------------------------
    def end_offsets(self, timeout: float = 10.0) -> dict[int, int]:
        """The offset after the last record of each partition (after the last committed one when read_committed)."""
        isolation = IsolationLevel.READ_COMMITTED if self._read_committed else IsolationLevel.READ_UNCOMMITTED
        request = {TopicPartition(self.spec.name, p): OffsetSpec.latest() for p in self._partitions}
        futures = self._admin.list_offsets(request, isolation_level=isolation, request_timeout=timeout)
        return {tp.partition: future.result(timeout).offset for tp, future in futures.items()}

    def read_to_end(self, timeout: float = 30.0) -> bool:
        """Wait until every record written before this call has been applied; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                target = self.end_offsets(max(0.5, deadline - time.monotonic()))
                break
            except KafkaException as exc:  # e.g. a new topic's leader not elected yet
                if time.monotonic() >= deadline:
                    log.warning("cannot read the end offsets of %s: %s", self.spec.name, exc)
                    return False
                time.sleep(0.2)
        return self._wait_positions(target, deadline)

    def _wait_positions(self, target: Mapping[int, int], deadline: float) -> bool:
        """Wait until the reader's position in each partition reached `target` (the offset after the last record)."""
        with self._changed:
            while not all(self._positions.get(p, 0) >= end for p, end in target.items()):
                if self._error is not None:
                    raise ConnectException(f"reading topic {self.spec.name} failed: {self._error}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.5))
        return True

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                message = self._consumer.poll(0.2)
                moved: dict[int, int] = {}
                while message is not None:
                    self._take(message, moved)
                    message = self._consumer.poll(0) if len(moved) < 10_000 else None
                for tp in self._consumer.position(
                    [TopicPartition(self.spec.name, p) for p in self._partitions]
                ):  # past control records (transaction markers) too
                    if tp.offset >= 0:
                        moved[tp.partition] = max(moved.get(tp.partition, 0), tp.offset)
                self._advance(moved)
        except BaseException as exc:
            log.exception("reading topic %s failed", self.spec.name)
            with self._changed:
                self._error = exc
                self._changed.notify_all()

    def _take(self, message: Message, moved: dict[int, int]) -> None:
        error = message.error()
        partition, offset = message.partition(), message.offset()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                moved[partition] = max(moved.get(partition, 0), offset)
                return
            if error.retriable() or not error.fatal():
                log.warning("reading topic %s: %s", self.spec.name, error)
                return
            raise KafkaException(error)
        self._on_record(message)
        moved[partition] = max(moved.get(partition, 0), offset + 1)

    def _advance(self, moved: Mapping[int, int]) -> None:
        if not moved:
            return
        with self._changed:
            for partition, offset in moved.items():
                if offset > self._positions.get(partition, 0):
                    self._positions[partition] = offset
            self._changed.notify_all()

    # -- writing ---------------------------------------------------------------------------
    def send(self, key: str | bytes, value: bytes | None, on_delivery: Callable[..., None] | None = None) -> None:
        kwargs: dict[str, Any] = {} if on_delivery is None else {"on_delivery": on_delivery}
        while True:
            try:
                self._producer.produce(self.spec.name, value, key, **kwargs)
                return
            except BufferError:
                self._producer.poll(0.05)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until Kafka acknowledged every record sent; raise when it could not (the write is not durable)."""
        remaining = self._producer.flush(timeout)
        if remaining:
            raise ConnectException(f"{remaining} record(s) to {self.spec.name} not acknowledged within {timeout:.0f} s")

    def send_and_wait(self, records: list[tuple[str | bytes, bytes | None]], timeout: float = 30.0) -> dict[int, int]:
        """Write records and wait for Kafka's acknowledgement; raise ConnectException naming the error if any failed.
        Returns the last offset written per partition."""
        errors: list[KafkaError] = []
        written: dict[int, int] = {}

        def delivered(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                errors.append(err)
            else:
                written[msg.partition()] = max(written.get(msg.partition(), -1), msg.offset())

        for key, value in records:
            self.send(key, value, delivered)
        self.flush(timeout)
        if errors:
            raise ConnectException(f"writing to topic {self.spec.name} failed: {errors[0]}")
        return written

    def wait_applied(self, written: Mapping[int, int], timeout: float = 30.0) -> bool:
        """Wait until the records at these offsets (partition -> offset) were applied; False on timeout.
        (A read_committed reader applies a transaction's records once its commit marker is written.)"""
        return self._wait_positions({p: offset + 1 for p, offset in written.items()}, time.monotonic() + timeout)
