"""WorkerSourceTask: poll → transforms → convert → produce, and flush acknowledged offsets.

At-least-once: offsets are written to the offset store only for the prefix of records
Kafka acknowledged (see submitted.py), every `offset.flush.interval.ms` and on stop; the
task's `committed_offsets`/`commit` hooks run after a successful write, which is when the
Postgres source may confirm its replication slot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import orjson
from confluent_kafka import Producer

from connect.data import SourceRecord
from connect.errors import ConnectException
from connect.runtime.errors.context import Stage, class_name
from connect.runtime.errors.operator import SKIP, RetryWithToleranceOperator
from connect.runtime.herder import TaskId
from connect.runtime.metrics import TaskMetrics
from connect.runtime.submitted import SubmittedRecords
from connect.runtime.topic_creation import TopicCreator
from connect.runtime.transform_chain import TransformationChain
from connect.runtime.worker_task import StatusListener, WorkerTask
from connect.spi import Converter, HeaderConverter, SourceTask
from connect.storage.offsets import OffsetBackingStore, OffsetStorageReaderImpl, encode_key

log = logging.getLogger(__name__)


class SourceTaskContextImpl:
    def __init__(self, runner: WorkerSourceTask, reader: OffsetStorageReaderImpl) -> None:
        self._runner = runner
        self.offset_reader = reader

    @property
    def connector_name(self) -> str:
        return self._runner.id.connector

    @property
    def task_id(self) -> int:
        return self._runner.id.task

    def report_status(self, details: Mapping[str, Any]) -> None:
        self._runner.report_status(dict(details))


class WorkerSourceTask(WorkerTask):
    def __init__(self, task_id: TaskId, task: SourceTask, props: Mapping[str, Any], *,
                 key_converter: Converter, value_converter: Converter, header_converter: HeaderConverter,
                 chain: TransformationChain, operator: RetryWithToleranceOperator, producer: Producer,
                 offset_store: OffsetBackingStore, topic_creator: TopicCreator | None,
                 flush_interval_ms: int, flush_timeout_ms: int, listener: StatusListener,
                 metrics: TaskMetrics, start_paused: bool = False) -> None:
        super().__init__(task_id, listener, start_paused)
        self.task = task
        self._props = props
        self._key_converter = key_converter
        self._value_converter = value_converter
        self._header_converter = header_converter
        self._chain = chain
        self._operator = operator
        self._producer = producer
        self._offset_store = offset_store
        self._topic_creator = topic_creator
        self._flush_interval = flush_interval_ms / 1000
        self._flush_timeout = flush_timeout_ms / 1000
        self._metrics = metrics
        self._submitted = SubmittedRecords()
        self._next_flush = time.monotonic() + self._flush_interval
        self._reader = OffsetStorageReaderImpl(offset_store, task_id.connector)
        self._per_record_commit = type(task).commit_record is not SourceTask.commit_record
        self._active_topics: set[str] = set()
        self.started = False

    @property
    def active_topics(self) -> set[str]:
        return self._active_topics

    def initialize_task(self) -> None:
        self.task.initialize(SourceTaskContextImpl(self, self._reader))
        self.task.start(self._props)
        self.started = True
        self._metrics.running.set(1)

    def iteration(self) -> None:
        if time.monotonic() >= self._next_flush:
            self.commit_offsets()
        records = self.task.poll()
        if records:
            self._metrics.polled.inc(len(records))
            self._metrics.batch_size.observe(len(records))
            self.send(records)
        self._producer.poll(0)
        error = self._submitted.first_error()
        if error is not None:
            raise ConnectException(f"Kafka did not accept a record of this task: {error}") from error

    def while_paused(self) -> None:
        self._producer.poll(0.1)
        if time.monotonic() >= self._next_flush:
            self.commit_offsets()

    # -- sending ---------------------------------------------------------------------------
    def send(self, records: list[SourceRecord]) -> None:
        batch = self._submitted.new_batch()
        offsets = batch.offsets
        produce = self._producer.produce
        on_delivery = batch.on_delivery
        chain = self._chain if self._chain else None
        headers_converter = self._header_converter
        last_partition: Any = None
        last_key = b""
        for original in records:
            partition = original.source_partition
            if partition is not None:
                if partition is not last_partition:
                    last_partition, last_key = partition, encode_key(self.id.connector, partition)
                offsets[last_key] = original.source_offset
            record = original if chain is None else chain.apply(original)
            if record is None:
                continue
            converted = self._convert(record)
            if converted is None:
                continue
            key, value = converted
            headers = None
            if record.headers:
                headers = [(h.key, headers_converter.from_connect_header(record.topic, h.key, h.schema, h.value))
                           for h in record.headers]
            topic = record.topic
            if topic not in self._active_topics:
                self._new_topic(topic)
            if self._per_record_commit:
                on_delivery = self._record_callback(batch, original)
            batch.pending += 1
            batch.records += 1
            self._produce(produce, topic, value, key, record, headers, on_delivery)

    def _produce(self, produce: Any, topic: str, value: bytes | None, key: bytes | None, record: SourceRecord,
                 headers: Any, on_delivery: Any) -> None:
        kwargs: dict[str, Any] = {"on_delivery": on_delivery}
        if record.kafka_partition is not None:
            kwargs["partition"] = record.kafka_partition
        if record.timestamp is not None:
            kwargs["timestamp"] = record.timestamp
        if headers:
            kwargs["headers"] = headers
        while True:
            try:
                produce(topic, value, key, **kwargs)
                return
            except BufferError:  # librdkafka's queue is full: serve callbacks, then retry
                self._producer.poll(0.05)
                if self.stopping:
                    raise ConnectException("task stopped while the producer queue was full") from None

    def _record_callback(self, batch: Any, record: SourceRecord) -> Any:
        def callback(err: Any, msg: Any) -> None:
            batch.on_delivery(err, msg)
            if err is None:
                self.task.commit_record(record, msg)
        return callback

    def _convert(self, record: SourceRecord) -> tuple[bytes | None, bytes | None] | None:
        try:
            return (self._key_converter.from_connect(record.topic, record.key_schema, record.key),
                    self._value_converter.from_connect(record.topic, record.value_schema, record.value))
        except Exception:
            return self._convert_slow(record)

    def _convert_slow(self, record: SourceRecord) -> tuple[bytes | None, bytes | None] | None:
        """Convert again stage by stage, so retries and error reports name the failing stage."""
        out: list[bytes | None] = []
        for stage, conv, schema, value in ((Stage.KEY_CONVERTER, self._key_converter, record.key_schema, record.key),
                                           (Stage.VALUE_CONVERTER, self._value_converter, record.value_schema,
                                            record.value)):
            result = self._operator.execute(stage, class_name(conv),
                                            lambda c=conv, sc=schema, v=value: c.from_connect(record.topic, sc, v),
                                            record=record)
            if result is SKIP:
                return None
            out.append(result)
        return out[0], out[1]

    def _new_topic(self, topic: str) -> None:
        if self._topic_creator is not None:
            self._topic_creator.ensure(topic)
        self._active_topics.add(topic)

    # -- offsets ---------------------------------------------------------------------------
    def commit_offsets(self, timeout: float | None = None) -> bool:
        """Write the acknowledged prefix's offsets; True when everything sent was flushed."""
        self._next_flush = time.monotonic() + self._flush_interval
        started = time.monotonic()
        remaining = self._producer.flush(self._flush_timeout if timeout is None else timeout)
        offsets = self._submitted.committable()
        complete = remaining == 0 and self._submitted.outstanding == 0
        if not offsets:
            return complete
        try:
            self._offset_store.set({k: orjson.dumps(v) if v is not None else None for k, v in offsets.items()})
        except Exception as exc:
            self._metrics.commit_failures.inc()
            log.error("offset flush of %s failed: %s", self.id, exc)
            return False
        self._metrics.commit_seconds.observe(time.monotonic() - started)
        self._metrics.written.inc(self._submitted.acked_records)
        self._submitted.acked_records = 0
        try:
            self.task.committed_offsets({k.decode(): v for k, v in offsets.items()})
            self.task.commit()
        except Exception as exc:
            log.warning("task %s commit hook failed: %s", self.id, exc)
        return complete

    def close_task(self, failed: bool) -> None:
        self._metrics.running.set(0)
        if self.started:
            # As Kafka Connect: the final offset commit comes before the task's stop().
            try:
                self.commit_offsets()
            finally:
                self.task.stop()
        self._producer.flush(self._flush_timeout)
        self._chain.close()
