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
from functools import partial
from typing import Any

import orjson
from confluent_kafka import Producer

from connect.data import SourceRecord
from connect.errors import ConnectException, RetriableException
from connect.runtime.closing import close_all
from connect.runtime.errors.context import Stage, class_name
from connect.runtime.errors.errant import ErrantReporter
from connect.runtime.errors.operator import SKIP, RetryWithToleranceOperator
from connect.runtime.herder import TaskId
from connect.runtime.metrics import TaskMetrics
from connect.runtime.outage import KafkaWatch
from connect.runtime.submitted import SubmittedRecords
from connect.runtime.topic_creation import TopicCreator
from connect.runtime.transform_chain import TransformationChain
from connect.runtime.worker_task import StatusListener, WorkerTask
from connect.spi import Converter, HeaderConverter, SourceTask
from connect.storage.offsets import OffsetBackingStore, OffsetStorageReaderImpl, decode_key, encode_key

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

    @property
    def errant_record_reporter(self) -> ErrantReporter:
        return self._runner.errant_reporter


class WorkerSourceTask(WorkerTask):
    def __init__(
        self,
        task_id: TaskId,
        task: SourceTask,
        props: Mapping[str, Any],
        *,
        key_converter: Converter,
        value_converter: Converter,
        header_converter: HeaderConverter,
        chain: TransformationChain,
        operator: RetryWithToleranceOperator,
        producer_config: dict[str, Any],
        offset_store: OffsetBackingStore,
        topic_creator: TopicCreator | None,
        flush_interval_ms: int,
        flush_timeout_ms: int,
        listener: StatusListener,
        metrics: TaskMetrics,
        start_paused: bool = False,
    ) -> None:
        super().__init__(task_id, listener, start_paused)
        self.task = task
        self._props = props
        self._key_converter = key_converter
        self._value_converter = value_converter
        self._header_converter = header_converter
        # Connectors share one headers tuple across records (e.g. Debezium's context headers): converted once
        # (only a tuple: a list may have changed since).
        self._headers_seen: tuple[Any, str, list[tuple[str, bytes | None]]] = ((), "", [])
        self._chain = chain
        self._operator = operator
        self.errant_reporter = ErrantReporter(operator, Stage.TASK_POLL, class_name(task))
        self._submitted = SubmittedRecords()
        self._per_record_commit = type(task).commit_record is not SourceTask.commit_record
        # Success reports only where the task wants commit_record(); otherwise acknowledgement comes from flush().
        self._kafka = KafkaWatch(self.outage)
        self._producer = Producer(
            {
                **producer_config,
                "on_delivery": self._submitted.on_error,
                "delivery.report.only.error": not self._per_record_commit,
                "error_cb": self._kafka.on_error,
            }
        )
        self._offset_store = offset_store
        self._topic_creator = topic_creator
        self._flush_interval = flush_interval_ms / 1000
        self._flush_timeout = flush_timeout_ms / 1000
        self._metrics = metrics
        self._next_flush = time.monotonic() + self._flush_interval
        self._reader = OffsetStorageReaderImpl(offset_store, task_id.connector)
        self._active_topics: set[str] = set()
        self.started = False

    @property
    def active_topics(self) -> set[str]:
        return set(self._active_topics)

    def reset_active_topics(self) -> None:
        self._active_topics.clear()

    def initialize_task(self) -> None:
        self.task.initialize(SourceTaskContextImpl(self, self._reader))
        self.task.start(self._props)
        self.started = True
        self._metrics.running.set(1)

    def iteration(self) -> None:
        if time.monotonic() >= self._next_flush:
            self.commit_offsets()
        try:
            records = self.task.poll()
        except RetriableException as exc:  # the source system is down: the outage rule (connect/spi/outages.py)
            self.wait_out(self.outage.failed(str(exc)))
            return
        self.outage.progress()
        if records:
            self._metrics.polled.inc(len(records))
            self._metrics.batch_size.observe(len(records))
            self.send(records)
        self._producer.poll(0)
        self._kafka.check(self._producer)
        self._raise_send_error()

    def _raise_send_error(self) -> None:
        error = self._submitted.error
        if error is not None:
            raise ConnectException(f"Kafka did not accept a record of this task: {error}") from error

    def while_paused(self) -> None:
        self._producer.poll(0.1)
        if time.monotonic() >= self._next_flush:
            self.commit_offsets()

    def wait_out(self, seconds: float) -> None:
        """Wait out a backoff while delivery reports are served and acknowledged offsets committed."""
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            self._producer.poll(min(left, 0.1))
            if time.monotonic() >= self._next_flush:
                self.commit_offsets()
        self._raise_send_error()

    # -- sending ---------------------------------------------------------------------------
    def send(self, records: list[SourceRecord]) -> None:
        """Transform, convert and produce a batch; the hot path of every source connector.

        A record's source offset is noted only once the record was handed to the producer, dropped by a
        transform or dealt with by the error handling (dead-lettered or tolerated): a record that fails
        the task never has its offset committed, so the restarted task reads it again.
        """
        offsets = self._submitted.offsets_for_batch()
        produce = self._producer.produce
        chain = self._chain if self._chain else None
        key_of = self._key_converter.from_connect
        value_of = self._value_converter.from_connect
        active = self._active_topics
        connector = self.id.connector
        simple = not self._per_record_commit
        last_partition: Any = None
        last_key = b""
        sent = 0
        try:
            for original in records:
                record = original if chain is None else chain.apply(original)
                if record is not None:
                    topic = record.topic
                    try:
                        key = key_of(topic, record.key_schema, record.key)
                        value = value_of(topic, record.value_schema, record.value)
                    except Exception as exc:
                        converted = (
                            self._convert_after_outage(record, exc)
                            if isinstance(exc, RetriableException)  # e.g. the schema registry down: waited out
                            else self._convert_slow(record)
                        )
                        if converted is None:
                            record = None  # dead-lettered or tolerated by the error handling
                        else:
                            key, value = converted
                    if record is not None:
                        if topic not in active:
                            self._new_topic(topic)
                        sent += 1
                        produced = False
                        plain = not record.headers and record.kafka_partition is None and record.timestamp is None
                        if simple and plain:
                            try:
                                produce(topic, value, key)
                                produced = True
                            except BufferError:
                                pass
                        if not produced:
                            self._produce(topic, value, key, record, original)
                partition = original.source_partition
                if partition is not None:
                    if partition is not last_partition:
                        last_partition, last_key = partition, encode_key(connector, partition)
                    offsets[last_key] = original.source_offset
        finally:
            self._submitted.add_records(sent)

    def _produce(
        self, topic: str, value: bytes | None, key: bytes | None, record: SourceRecord, original: SourceRecord
    ) -> None:
        """The general path: headers, partition, timestamp, per-record callbacks, a full queue."""
        kwargs: dict[str, Any] = {}
        if record.kafka_partition is not None:
            kwargs["partition"] = record.kafka_partition
        if record.timestamp is not None:
            kwargs["timestamp"] = record.timestamp
        if record.headers:
            headers = record.headers
            seen, seen_topic, converted = self._headers_seen
            if headers is not seen or topic != seen_topic or type(headers) is not tuple:
                convert = self._header_converter.from_connect_header
                converted = [(h.key, convert(topic, h.key, h.schema, h.value)) for h in headers]
                self._headers_seen = (headers, topic, converted)
            kwargs["headers"] = converted
        if self._per_record_commit:
            kwargs["on_delivery"] = self._record_callback(original)
        while True:
            try:
                self._producer.produce(topic, value, key, **kwargs)
                return
            except BufferError:  # librdkafka's queue is full: serve callbacks, then retry
                self._producer.poll(0.05)
                self._kafka.check(self._producer)
                if self.stopping:
                    raise ConnectException("task stopped while the producer queue was full") from None

    def _record_callback(self, record: SourceRecord) -> Any:
        def callback(err: Any, msg: Any) -> None:
            if err is not None:
                self._submitted.on_error(err, msg)
            else:
                self.task.commit_record(record, msg)

        return callback

    def _convert_after_outage(
        self, record: SourceRecord, error: RetriableException
    ) -> tuple[bytes | None, bytes | None] | None:
        """Convert again once what the converter needs is back (connect/spi/outages.py), however long it takes;
        a failure of another kind then goes to the error handling (None: the record was dealt with there)."""
        while True:
            self.wait_out(self.outage.failed(str(error)))
            if self.stopping:
                raise ConnectException(f"task stopped while waiting: {error}") from error
            try:
                converted = (
                    self._key_converter.from_connect(record.topic, record.key_schema, record.key),
                    self._value_converter.from_connect(record.topic, record.value_schema, record.value),
                )
            except RetriableException as again:
                error = again
                continue
            except Exception:
                self.outage.progress()
                return self._convert_slow(record)
            self.outage.progress()
            return converted

    def _convert_slow(self, record: SourceRecord) -> tuple[bytes | None, bytes | None] | None:
        """Convert again stage by stage, so retries and error reports name the failing stage."""
        out: list[bytes | None] = []
        for stage, conv, schema, value in (
            (Stage.KEY_CONVERTER, self._key_converter, record.key_schema, record.key),
            (Stage.VALUE_CONVERTER, self._value_converter, record.value_schema, record.value),
        ):
            result = self._operator.execute(
                stage,
                class_name(conv),
                partial(conv.from_connect, record.topic, schema, value),
                record=record,
            )
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
        """Flush the producer, then write the offsets of everything it stored; False if it could not."""
        self._next_flush = time.monotonic() + self._flush_interval
        if self._submitted.pending_records == 0 and not self._submitted.offsets_for_batch():
            return True
        started = time.monotonic()
        remaining = self._producer.flush(self._flush_timeout if timeout is None else timeout)
        if remaining or self._submitted.error is not None:
            log.warning(
                "offset commit of %s skipped: %d record(s) not acknowledged within offset.flush.timeout.ms",
                self.id,
                remaining,
            )
            self._metrics.commit_failures.inc()
            return False
        offsets, records = self._submitted.take()
        if offsets:
            try:
                self._offset_store.set({k: orjson.dumps(v) if v is not None else None for k, v in offsets.items()})
            except Exception as exc:
                self._metrics.commit_failures.inc()
                log.error("offset flush of %s failed: %s", self.id, exc)
                # keep them for the next attempt: nothing sent since can be committed before them
                self._submitted.offsets_for_batch().update(
                    {k: v for k, v in offsets.items() if k not in self._submitted.offsets_for_batch()}
                )
                return False
        self._committed(offsets, records, started)
        return True

    def _committed(self, offsets: Mapping[bytes, Any], records: int, started: float) -> None:
        """Offsets are durable: count, and tell the task (the Postgres source confirms its slot then)."""
        self._metrics.commit_seconds.observe(time.monotonic() - started)
        self._metrics.written.inc(records)
        if offsets:
            try:
                self.task.committed_offsets(committed(offsets))
                self.task.commit()
            except Exception as exc:
                log.warning("task %s commit hook failed: %s", self.id, exc)

    def close_task(self, failed: bool) -> None:
        self._metrics.running.set(0)
        if self.started:
            # As Kafka Connect: the final offset commit comes before the task's stop().
            try:
                self.commit_offsets()
            finally:
                self.task.stop()
        try:
            self._producer.flush(self._flush_timeout)
        finally:
            # Every client the task opened is closed here, whatever stopped it: a producer left to the
            # garbage collector keeps its threads and its broker connections until a full collection.
            self._producer.close()
            close_all(
                self.id, self._operator, self._chain, self._key_converter, self._value_converter, self._header_converter
            )


def committed(offsets: Mapping[bytes, Any]) -> list[tuple[dict[str, Any], Any]]:
    """Stored offsets as the task's records carried them: (partition, offset) pairs, not storage keys."""
    out = []
    for key, offset in offsets.items():
        decoded = decode_key(key)
        if decoded is not None:
            out.append((decoded[1], offset))
    return out
