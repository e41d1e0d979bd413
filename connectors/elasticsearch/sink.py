"""The Elasticsearch sink task: records → bulk actions → the bulk writer; commits only what is durable."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Collection, Mapping
from typing import Any

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connect.spi import SinkTask, TopicPartition
from connectors.elasticsearch.bulk import BulkWriter, Outcome
from connectors.elasticsearch.client import EsClient
from connectors.elasticsearch.config import EsSinkConfig, MalformedDocs
from connectors.elasticsearch.convert import DELETE, Action, DocumentConverter
from connectors.elasticsearch.mapping import index_mappings
from connectors.elasticsearch.offsets import OffsetTracker

log = logging.getLogger(__name__)


def _where(record: SinkRecord) -> str:
    return f"{record.original_topic}-{record.original_kafka_partition}@{record.original_kafka_offset}"


class ElasticsearchSinkTask(SinkTask):
    """Writes records as documents; see ElasticsearchSinkConnector for the behaviour users see."""

    def __init__(self, client: EsClient | None = None) -> None:
        super().__init__()
        self._writer: BulkWriter | None = None
        self._client = client  # given by tests; made from the config at start otherwise

    def start(self, props: Mapping[str, Any]) -> None:
        self.config = config = EsSinkConfig.parse(props)
        self._converter = DocumentConverter(config)
        self._tracker = OffsetTracker()
        self._known_indexes: set[str] = set()
        self._rejected: deque[tuple[Action, str]] = deque()  # filled by sender threads, reported by this one
        self._failure: str | None = None  # a write Elasticsearch refused for a reason no record can fix
        self._paused = False
        self._client = self._client or EsClient(config)
        if not self._client.healthy():
            log.warning("Elasticsearch at %s does not answer yet; writes will be retried", ",".join(config.hosts))
        self._writer = BulkWriter(
            self._client.bulk,
            self._on_done,
            batch_size=config.batch_size,
            linger_ms=config.linger_ms,
            max_in_flight=config.max_in_flight,
            max_retries=config.max_retries,
            retry_backoff_ms=config.retry_backoff_ms,
        )

    # -- put --------------------------------------------------------------------------------
    def put(self, records: list[SinkRecord]) -> None:
        writer = self._check()
        if writer.stalled:
            # Refuse the batch: the worker keeps it, backs off and offers it again, while the writer
            # keeps retrying what it holds. Nothing is dropped, nothing is buffered without bound.
            raise RetriableException(f"Elasticsearch is not accepting writes ({writer.last_error}); will retry")
        self._maybe_resume(writer)
        if not records:
            return
        converted: list[tuple[SinkRecord, Action | None]] = []
        invalid: list[tuple[SinkRecord, DataException]] = []
        for record in records:
            try:
                converted.append((record, self._converter.convert(record)))
            except DataException as exc:
                invalid.append((record, exc))
                converted.append((record, None))
        # Side effects only after everything that may raise RetriableException: the worker then
        # offers the same batch again and nothing of it is tracked twice.
        self._ensure_indexes(converted)
        self._handle_invalid(invalid)
        tracker, actions = self._tracker, []
        for record, action in converted:
            slot = tracker.add(
                TopicPartition(record.original_topic, record.original_kafka_partition), record.original_kafka_offset
            )
            if action is None:
                slot.done = True
            else:
                action.slot = slot
                actions.append(action)
        writer.submit(actions)
        if not self._paused and writer.buffered > self.config.max_buffered:
            assert self.context is not None
            self.context.pause(*self.context.assignment())
            self._paused = True
            log.info("paused consumption: %d records not yet written to Elasticsearch", writer.buffered)

    def open(self, partitions: Collection[TopicPartition]) -> None:
        if self._paused and partitions:  # newly assigned partitions wait with the others
            assert self.context is not None
            self.context.pause(*partitions)

    def _ensure_indexes(self, converted: list[tuple[SinkRecord, Action | None]]) -> None:
        assert self._client is not None
        for _record, action in converted:
            if action is None or action.op == DELETE or action.index in self._known_indexes:
                continue
            mappings = None if self.config.ignores_schema(action.record.topic) else index_mappings(action.schema)
            self._client.ensure_index(action.index, mappings)
            self._known_indexes.add(action.index)

    def _handle_invalid(self, invalid: list[tuple[SinkRecord, DataException]]) -> None:
        for record, exc in invalid:
            if self.config.drop_invalid:
                log.warning("dropped record %s (drop.invalid.message=true): %s", _where(record), exc)
            else:
                self._report(record, exc)

    def _report(self, record: SinkRecord, error: DataException) -> None:
        """Hand a record to the error handling (dead-letter topic or task failure, per errors.tolerance)."""
        reporter = self.context.errant_record_reporter if self.context is not None else None
        if reporter is None:
            raise ConnectException(f"record {_where(record)}: {error}") from error
        reporter.report(record, error)

    def _maybe_resume(self, writer: BulkWriter) -> None:
        if self._paused and writer.buffered <= self.config.max_buffered // 2:
            assert self.context is not None
            self.context.resume(*self.context.assignment())
            self._paused = False
            log.info("resumed consumption")

    # -- results from the sender threads -----------------------------------------------------
    def _on_done(self, action: Action, outcome: Outcome, reason: str | None) -> None:
        if outcome is Outcome.OK:
            action.slot.done = True
        elif outcome is Outcome.FATAL:
            self._failure = self._failure or f"Elasticsearch refused a write to index {action.index}: {reason}"
        elif self.config.malformed is MalformedDocs.FAIL:
            self._rejected.append((action, reason or "rejected"))
        else:
            if self.config.malformed is MalformedDocs.WARN:
                log.warning("Elasticsearch rejected the document of %s (skipped): %s", _where(action.record), reason)
            action.slot.done = True

    def _report_rejected(self) -> None:
        while self._rejected:
            action, reason = self._rejected[0]
            self._report(action.record, DataException(f"Elasticsearch rejected the document: {reason}"))
            action.slot.done = True
            self._rejected.popleft()

    def _check(self) -> BulkWriter:
        """The writer, after surfacing what the sender threads found (rejected documents, fatal errors)."""
        writer = self._writer
        if writer is None:
            raise ConnectException("the Elasticsearch sink task is not started")
        if writer.fatal is not None:
            raise ConnectException(f"Elasticsearch sink failed: {writer.fatal}") from writer.fatal
        if self._failure is not None:
            raise ConnectException(self._failure)
        self._report_rejected()
        return writer

    # -- offsets ----------------------------------------------------------------------------
    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        writer = self._check()
        timeout = self.config.flush_timeout_ms / 1000
        if not writer.wait_idle(timeout):
            self._check()
            raise ConnectException(
                f"flush timed out after {timeout:g}s with {writer.buffered} records not "
                f"written to Elasticsearch ({writer.last_error})"
            )
        self._check()

    def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        writer = self._check()
        writer.flush_now()  # do not let a lingering partial batch hold offsets back
        return self._tracker.safe_offsets(offsets)

    def close(self, partitions: Collection[TopicPartition]) -> None:
        if self._writer is None:
            return
        gone = set(partitions)
        self._writer.discard(
            lambda a: TopicPartition(a.record.original_topic, a.record.original_kafka_partition) in gone
        )
        self._tracker.drop(gone)

    def stop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._client is not None:
            self._client.close()
        self._writer = None
