"""WorkerSinkTask: consume → convert → transforms → put, and commit only what the task flushed.

The consumer group is `connect-<connector>`; auto-commit is off. Every
`offset.flush.interval.ms` (and on rebalance and stop) the task's `pre_commit` says which
offsets are durable in the target, and only those are committed. Records that fail
conversion or transformation, and records the target rejects, go through the error
handling (log, dead-letter topic with the original bytes) or fail the task. A target or a
converter's registry that is down is an outage instead (connect/spi/outages.py): consumption
pauses and the same records are offered again after the backoff.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from typing import Any

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, KafkaException, Message
from confluent_kafka import TopicPartition as KafkaTopicPartition

from connect.data import Header, SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connect.runtime.closing import close_all
from connect.runtime.errors.context import ErrorContext, Stage, class_name, raw_message
from connect.runtime.errors.errant import ErrantReporter
from connect.runtime.errors.operator import SKIP, RetryWithToleranceOperator
from connect.runtime.errors.reread import MessageReader
from connect.runtime.herder import TaskId
from connect.runtime.metrics import TaskMetrics
from connect.runtime.outage import CONVERTER, KafkaWatch
from connect.runtime.transform_chain import TransformationChain
from connect.runtime.worker_task import StatusListener, WorkerTask
from connect.spi import Converter, HeaderConverter, SinkTask, TopicPartition

log = logging.getLogger(__name__)
_TIMESTAMP_TYPES = {1: "CreateTime", 2: "LogAppendTime"}


def consume_available(consumer: Consumer, max_records: int, timeout: float) -> list[Message]:
    """Up to `max_records` messages as soon as there are any, waiting at most `timeout` for the first (Java's
    `poll`). librdkafka's batch consume waits until the batch is full or the timeout passed: at 1k records/s
    a batch of 500 held its records 250 ms on average, 500 ms at worst."""
    msgs = consumer.consume(max_records, 0)
    if msgs or timeout <= 0:
        return msgs
    msgs = consumer.consume(1, timeout)
    if msgs and max_records > 1:
        msgs.extend(consumer.consume(max_records - 1, 0))
    return msgs


class SinkTaskContextImpl:
    def __init__(self, runner: WorkerSinkTask) -> None:
        self._runner = runner

    @property
    def connector_name(self) -> str:
        return self._runner.id.connector

    @property
    def task_id(self) -> int:
        return self._runner.id.task

    def assignment(self) -> set[TopicPartition]:
        return set(self._runner.assigned)

    def pause(self, *partitions: TopicPartition) -> None:
        self._runner.pause_partitions(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._runner.resume_partitions(partitions)

    def offset(self, offsets: Mapping[TopicPartition, int]) -> None:
        self._runner.rewind.update(offsets)

    def request_commit(self) -> None:
        self._runner.commit_requested = True

    @property
    def errant_record_reporter(self) -> ErrantReporter:
        return self._runner.errant_reporter


class WorkerSinkTask(WorkerTask):
    def __init__(
        self,
        task_id: TaskId,
        task: SinkTask,
        props: Mapping[str, Any],
        *,
        key_converter: Converter,
        value_converter: Converter,
        header_converter: HeaderConverter,
        chain: TransformationChain,
        operator: RetryWithToleranceOperator,
        consumer_config: Mapping[str, Any],
        subscription: list[str],
        flush_interval_ms: int,
        listener: StatusListener,
        metrics: TaskMetrics,
        max_poll_records: int = 500,
        start_paused: bool = False,
    ) -> None:
        super().__init__(task_id, listener, start_paused)
        self.task = task
        self.operator = operator
        self._props = props
        self._key_converter = key_converter
        self._value_converter = value_converter
        self._header_converter = header_converter
        self._chain = chain
        self._kafka = KafkaWatch(self.outage)
        self._consumer = Consumer({**consumer_config, "error_cb": self._kafka.on_error})
        self._subscription = subscription  # topic names, or one `^regex`
        self._flush_interval = flush_interval_ms / 1000
        self._metrics = metrics
        self._max_poll = max_poll_records
        self.assigned: set[TopicPartition] = set()
        self._paused_by_task: set[TopicPartition] = set()
        self._current: dict[TopicPartition, int] = {}  # next offset to read, per partition
        self._committed: dict[TopicPartition, int] = {}
        self._topics_reset_at: dict[TopicPartition, int] = {}  # positions when the active topics were reset
        self.rewind: dict[TopicPartition, int] = {}
        self.commit_requested = False
        self._next_commit = time.monotonic() + self._flush_interval
        self._retry_batch: list[SinkRecord] | None = None
        self._retry_delay = 0.0
        self._convert_delay: float | None = None  # a converter's registry is down: consumption waits this long
        self._all_paused = False
        self._reader = MessageReader(consumer_config)  # records the task reports by position, read again
        self.errant_reporter = ErrantReporter(operator, Stage.TASK_PUT, class_name(task), self._reader.read)
        self.started = False
        self._closed = False  # the task closed: revocations from the consumer's close are not handled

    @property
    def active_topics(self) -> set[str]:
        # Positions that moved since the reset: no bookkeeping per record (an assigned topic with no record
        # consumed is not active, as in Kafka Connect).
        reset_at = self._topics_reset_at
        return {tp.topic for tp, position in list(self._current.items()) if reset_at.get(tp) != position}

    def reset_active_topics(self) -> None:
        self._topics_reset_at = dict(self._current)

    # -- lifecycle -------------------------------------------------------------------------
    def initialize_task(self) -> None:
        self.task.initialize(SinkTaskContextImpl(self))
        self.task.start(self._props)
        self.started = True
        self._consumer.subscribe(
            self._subscription, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        self._metrics.running.set(1)

    def iteration(self) -> None:
        if self._retry_batch is not None:
            self._retry_put()
        elif self._convert_delay is not None:
            delay, self._convert_delay = self._convert_delay, None
            self._hold(delay)
        else:
            self._poll_and_put(timeout=0.5)
        if self.commit_requested or time.monotonic() >= self._next_commit:
            self.commit_offsets()

    def while_paused(self) -> None:
        # Keep polling (every partition paused) so the group membership stays alive.
        if not self._all_paused:
            self._consumer.pause([KafkaTopicPartition(tp.topic, tp.partition) for tp in self.assigned])
            self._all_paused = True
        msgs = self._consumer.consume(self._max_poll, 0.2)
        if msgs:  # fetched before the pause took effect: keep them for after the resume
            self._seek_back(msgs)
        if time.monotonic() >= self._next_commit:
            self.commit_offsets()

    def _resume_consumer_if_needed(self) -> None:
        if self._all_paused:
            active = [KafkaTopicPartition(tp.topic, tp.partition) for tp in self.assigned - self._paused_by_task]
            if active:
                self._consumer.resume(active)
            self._all_paused = False

    def close_task(self, failed: bool) -> None:
        self._metrics.running.set(0)
        try:
            if self.started and not failed and self.assigned:
                self.commit_offsets(final=True)
            if self.started:
                self.task.close(set(self.assigned))
        finally:
            # The consumer's close revokes the partitions once more, after the task closed them (dropping what it
            # had not written): as Kafka Connect's taskStopped, that revocation is not handled, or it would commit
            # the consumed positions past records the target never acknowledged.
            self._closed = True
            try:
                self._consumer.close()
            finally:
                try:
                    if self.started:
                        self.task.stop()
                finally:
                    self._operator_close()

    def _operator_close(self) -> None:
        # The dead-letter producer first: its records are serialized with the converters.
        close_all(
            self.id,
            self.operator,
            self._reader,
            self._chain,
            self._key_converter,
            self._value_converter,
            self._header_converter,
        )

    # -- consuming -------------------------------------------------------------------------
    def _poll_and_put(self, timeout: float) -> None:
        self._resume_consumer_if_needed()
        if self.rewind:  # asked for by put() since the last consume: nothing fetched past it is delivered
            self._apply_rewind()
        msgs = consume_available(self._consumer, self._max_poll, timeout)
        self._kafka.check(self._consumer)
        if self.rewind:  # asked for by open() during this consume (an assignment): its fetch for them is stale
            rewound = self._apply_rewind()
            msgs = [m for m in msgs if m.error() is not None or TopicPartition(m.topic(), m.partition()) not in rewound]
        if not msgs:
            self._deliver([])
            return
        records = []
        current = self._current
        for i, msg in enumerate(msgs):
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                if err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:  # as Kafka Connect: wait for the topic
                    log.debug("sink %s waits for a topic to exist: %s", self.id, err)
                    continue
                if err.fatal() or not err.retriable():
                    raise ConnectException(f"consumer error: {err}")
                log.warning("transient consumer error in %s: %s", self.id, err)
                continue
            tp = TopicPartition(msg.topic(), msg.partition())
            current[tp] = msg.offset() + 1
            try:
                record = self._convert(msg)
            except RetriableException as exc:  # e.g. the schema registry down: an outage, not a bad record
                self._converter_outage(msgs[i:], exc)
                msgs = msgs[:i]
                break
            if record is not None and self._chain:
                record = self._chain.apply(record)
            if record is not None:
                records.append(record)
        else:
            if self.outage.waiting_for(CONVERTER):
                self.outage.progress(CONVERTER)
        self._metrics.read.inc(len(msgs))
        self._deliver(records)

    def _converter_outage(self, unconverted: list[Message], error: RetriableException) -> None:
        """The outage rule (connect/spi/outages.py) for a converter: the records it could not convert are read
        again after the backoff, with consumption paused meanwhile; those before them are delivered."""
        self._current.update(self._seek_back(unconverted))
        self._convert_delay = self.outage.failed(str(error), CONVERTER)

    def _convert(self, msg: Message) -> SinkRecord | None:
        """The record, or None when the error handling took it; RetriableException is raised, never reported."""
        topic = msg.topic()
        try:
            key = self._key_converter.to_connect(topic, msg.key())
            value = self._value_converter.to_connect(topic, msg.value())
            headers = self._headers(topic, msg.headers())
        except RetriableException:
            raise
        except Exception as exc:
            self._convert_failed(msg, exc)
            return None
        ts_type, ts = msg.timestamp()
        return SinkRecord(
            topic,
            msg.partition(),
            key.schema,
            key.value,
            value.schema,
            value.value,
            msg.offset(),
            ts if ts_type else None,
            headers,
            _TIMESTAMP_TYPES.get(ts_type, "NoTimestampType"),
        )

    def _headers(self, topic: str, raw: list[tuple[str, bytes | None]] | None) -> tuple[Header, ...]:
        if not raw:
            return ()
        out = []
        for key, data in raw:
            sv = self._header_converter.to_connect_header(topic, key, data)
            out.append(Header(key, sv.value, sv.schema))
        return tuple(out)

    def _convert_failed(self, msg: Message, exc: Exception) -> None:
        """Find the failing stage and hand the raw message to the error handling."""
        topic = msg.topic()
        stages = (
            (Stage.KEY_CONVERTER, self._key_converter, lambda: self._key_converter.to_connect(topic, msg.key())),
            (
                Stage.VALUE_CONVERTER,
                self._value_converter,
                lambda: self._value_converter.to_connect(topic, msg.value()),
            ),
            (Stage.HEADER_CONVERTER, self._header_converter, lambda: self._headers(topic, msg.headers())),
        )
        raw = raw_message(msg)
        for stage, conv, call in stages:
            try:
                call()
            except Exception as stage_exc:
                self.operator.execute(stage, class_name(conv), _raiser(stage_exc), consumed=raw)
                return None
        self.operator.execute(Stage.VALUE_CONVERTER, class_name(self._value_converter), _raiser(exc), consumed=raw)
        return None

    # -- putting ---------------------------------------------------------------------------
    def _deliver(self, records: list[SinkRecord]) -> None:
        try:
            self.task.put(records)
        except RetriableException as exc:  # the target is down: the outage rule (connect/spi/outages.py)
            self._retry_batch = records
            self._retry_delay = self.outage.failed(str(exc))
            self._pause_all_for_retry()
            return
        except DataException as exc:
            # A record the target cannot take: with tolerance all, find it and report only it.
            if not self.operator.config.tolerance_all or not records:
                raise ConnectException(f"sink task {self.id.connector}-{self.id.task} put() failed: {exc}") from exc
            self._put_one_by_one(records)
        except Exception as exc:
            # Anything else (the target unreachable after the task's own retries...) is not a record's fault:
            # as in Kafka Connect it fails the task, whatever errors.tolerance says, and nothing is dead-lettered.
            raise ConnectException(f"sink task {self.id.connector}-{self.id.task} put() failed: {exc}") from exc
        self.outage.progress()
        if records:
            self._metrics.put.inc(len(records))
            self._metrics.batch_size.observe(len(records))

    def _put_one_by_one(self, records: list[SinkRecord]) -> None:
        """errors.tolerance=all: isolate the records the target rejects as data errors and report only those."""
        for record in records:
            try:
                self.task.put([record])
            except DataException as exc:
                self.operator.failed(ErrorContext(Stage.TASK_PUT, class_name(self.task), exc, record=record))

    def _pause_all_for_retry(self) -> None:
        self._consumer.pause([KafkaTopicPartition(tp.topic, tp.partition) for tp in self.assigned])
        self._all_paused = True

    def _retry_put(self) -> None:
        assert self._retry_batch is not None
        # Consumption stays paused until the same batch goes through.
        self._hold(self._retry_delay)
        if self.stopping:
            return
        batch, self._retry_batch = self._retry_batch, None
        self._deliver(batch)
        if self._retry_batch is None:
            self._resume_consumer_if_needed()

    def _hold(self, seconds: float) -> None:
        """Wait out a backoff with every partition paused, polling so the group membership stays alive (what is
        fetched meanwhile is sought back); stopping cuts it short."""
        if not self._all_paused:
            self._pause_all_for_retry()
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            msgs = self._consumer.consume(self._max_poll, min(0.2, left))
            if msgs:
                self._seek_back(msgs)

    def _seek_back(self, msgs: list[Message]) -> dict[TopicPartition, int]:
        """Messages fetched but not delivered (while paused, or not converted) are read again: where each
        partition now resumes."""
        first: dict[TopicPartition, int] = {}
        for m in msgs:
            if m.error() is None:
                first.setdefault(TopicPartition(m.topic(), m.partition()), m.offset())
        for tp, offset in first.items():
            self._consumer.seek(KafkaTopicPartition(tp.topic, tp.partition, offset))
        return first

    # -- partitions and offsets ------------------------------------------------------------
    def pause_partitions(self, partitions: Collection[TopicPartition]) -> None:
        self._paused_by_task.update(partitions)
        self._consumer.pause([KafkaTopicPartition(tp.topic, tp.partition) for tp in partitions])

    def resume_partitions(self, partitions: Collection[TopicPartition]) -> None:
        self._paused_by_task.difference_update(partitions)
        if not self._all_paused and not self.paused:
            self._consumer.resume([KafkaTopicPartition(tp.topic, tp.partition) for tp in partitions])

    def _apply_rewind(self) -> set[TopicPartition]:
        """Seek to the offsets the task asked for (the consumer drops what it pre-fetched); the partitions sought."""
        sought = set()
        for tp, offset in list(self.rewind.items()):
            if tp in self.assigned:
                self._consumer.seek(KafkaTopicPartition(tp.topic, tp.partition, offset))
                self._current[tp] = offset
                sought.add(tp)
        self.rewind.clear()
        return sought

    def commit_offsets(self, final: bool = False, only: Collection[TopicPartition] | None = None) -> None:
        self.commit_requested = False
        self._next_commit = time.monotonic() + self._flush_interval
        if self._retry_batch is not None:  # a batch awaiting retry is not written yet: commit nothing
            return
        scope = set(self.assigned if only is None else only)
        current = {tp: o for tp, o in self._current.items() if tp in scope}
        if not current:
            return
        started = time.monotonic()
        try:
            safe = self.task.pre_commit(dict(current))
        except RetriableException as exc:  # the target is down: nothing new is durable, commit at the next interval
            log.info("offsets of %s not committed while its target is unavailable: %s", self.id, exc)
            return
        except Exception as exc:
            self._metrics.commit_failures.inc()
            log.error("pre_commit of %s failed; offsets not committed: %s", self.id, exc)
            if final:
                return
            raise
        to_commit = [
            KafkaTopicPartition(tp.topic, tp.partition, int(o))
            for tp, o in safe.items()
            if tp in scope and self._committed.get(tp) != o
        ]
        if not to_commit:
            return
        try:
            self._consumer.commit(offsets=to_commit, asynchronous=False)
        except KafkaException as exc:
            self._metrics.commit_failures.inc()
            log.warning("offset commit of %s failed (will retry at the next interval): %s", self.id, exc)
            return
        for ktp in to_commit:
            self._committed[TopicPartition(ktp.topic, ktp.partition)] = ktp.offset
        self._metrics.commit_seconds.observe(time.monotonic() - started)
        self._record_lag(to_commit)

    def _record_lag(self, committed: list[KafkaTopicPartition]) -> None:
        for ktp in committed:
            try:
                _low, high = self._consumer.get_watermark_offsets(ktp, cached=True)
            except KafkaException:
                continue
            if high is not None and high >= 0:
                self._metrics.lag(ktp.topic, ktp.partition, max(0, high - ktp.offset))

    def _on_assign(self, _consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        tps = {TopicPartition(p.topic, p.partition) for p in partitions}
        self.assigned |= tps
        for p in self._consumer.committed(partitions, timeout=10):
            if p.offset != OFFSET_INVALID and p.offset >= 0:
                self._committed[TopicPartition(p.topic, p.partition)] = p.offset
        log.info(
            "sink %s-%d assigned %s",
            self.id.connector,
            self.id.task,
            ", ".join(
                f"{p.topic}-{p.partition}@{self._committed.get(TopicPartition(p.topic, p.partition))}"
                for p in partitions
            ),
        )
        self.task.open(tps)
        if self._all_paused or self.paused:
            self._consumer.pause(partitions)
            self._all_paused = True

    def _on_revoke(self, _consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        if self._closed:
            return
        tps = {TopicPartition(p.topic, p.partition) for p in partitions}
        if self._retry_batch is None:
            try:
                self.commit_offsets(final=True, only=tps)
            except Exception as exc:
                log.warning("commit on revoke failed for %s: %s", self.id, exc)
        log.info(
            "sink %s-%d revoked %s",
            self.id.connector,
            self.id.task,
            ", ".join(f"{tp.topic}-{tp.partition}@{self._committed.get(tp)}/{self._current.get(tp)}" for tp in tps),
        )
        self._forget(tps)

    def _on_lost(self, _consumer: Consumer, partitions: list[KafkaTopicPartition]) -> None:
        if self._closed:
            return
        log.info("sink %s-%d lost %s", self.id.connector, self.id.task, partitions)
        self._forget({TopicPartition(p.topic, p.partition) for p in partitions})

    def _forget(self, tps: set[TopicPartition]) -> None:
        self.task.close(tps)
        self.assigned -= tps
        self._paused_by_task -= tps
        for tp in tps:
            self._current.pop(tp, None)
            self._committed.pop(tp, None)
            self.rewind.pop(tp, None)
        if self._retry_batch is not None:
            self._retry_batch = [
                r for r in self._retry_batch if TopicPartition(r.original_topic, r.original_kafka_partition) not in tps
            ]


def _raiser(exc: Exception) -> Any:
    def fail() -> Any:
        raise exc

    return fail


__all__ = ["SKIP", "WorkerSinkTask"]
