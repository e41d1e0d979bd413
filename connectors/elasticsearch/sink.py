"""The Elasticsearch sink task: records → bulk actions → the bulk writer; commits only what is durable.

A BatchingSinkTask whose writes run on the bulk writer's threads: `write` converts and hands the
batch over; what is in flight holds the actions' bytes and their records' positions, not the records.
Documents Elasticsearch rejects come back from those threads and are reported by position from the
task's thread (`reject_later`; the runtime reads the record again for the dead-letter topic), after
which their offsets may be committed. Each partition's backlog
is its records not yet written; `max.buffered.records` in all pauses the partitions holding them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException
from connect.spi import TopicPartition
from connect.spi.batching import BatchingSinkTask, Rejected, where
from connectors.elasticsearch.bulk import BulkWriter, Outcome
from connectors.elasticsearch.client import EsClient
from connectors.elasticsearch.config import EsSinkConfig, MalformedDocs
from connectors.elasticsearch.convert import DELETE, Action, DocumentConverter
from connectors.elasticsearch.mapping import index_mappings
from connectors.elasticsearch.offsets import OffsetTracker

log = logging.getLogger(__name__)


class ElasticsearchSinkTask(BatchingSinkTask):
    """Writes records as documents; see ElasticsearchSinkConnector for the behaviour users see."""

    target = "Elasticsearch"

    def __init__(self, client: EsClient | None = None) -> None:
        super().__init__()
        self._writer: BulkWriter | None = None
        self._client = client  # given by tests; made from the config at start otherwise

    def start(self, props: Mapping[str, Any]) -> None:
        self.config = config = EsSinkConfig.parse(props)
        self._converter = DocumentConverter(config)
        self._tracker = OffsetTracker()
        self._known_indexes: set[str] = set()
        self._failure: str | None = None  # a write Elasticsearch refused for a reason no record can fix
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
        self.backlog_limit = config.max_buffered

    # -- write ------------------------------------------------------------------------------
    def write(self, batch: list[SinkRecord]) -> list[Rejected]:
        """Convert the batch and hand its actions to the bulk writer; the records that make no document."""
        writer = self._writer
        assert writer is not None
        converted: list[tuple[SinkRecord, Action | None]] = []
        invalid: list[Rejected] = []
        for record in batch:
            try:
                converted.append((record, self._converter.convert(record)))
            except DataException as exc:
                converted.append((record, None))
                if self.config.drop_invalid:
                    log.warning("dropped record %s (drop.invalid.message=true): %s", where(record), exc)
                else:
                    invalid.append((record, exc))
        # Side effects only after everything that may raise RetriableException: the worker then
        # offers the same batch again and nothing of it is tracked twice.
        self._ensure_indexes(converted)
        tracker, actions = self._tracker, []
        for record, action in converted:
            slot = tracker.add(
                TopicPartition(record.original_topic, record.original_kafka_partition), record.original_kafka_offset
            )
            if action is None:
                tracker.done(slot)
            else:
                action.slot = slot
                actions.append(action)
        writer.submit(actions)
        return invalid

    def open(self, partitions: Collection[TopicPartition]) -> None:
        super().open(partitions)
        self._tracker.open(partitions)

    def _ensure_indexes(self, converted: list[tuple[SinkRecord, Action | None]]) -> None:
        assert self._client is not None
        for record, action in converted:
            if action is None or action.op == DELETE or action.index in self._known_indexes:
                continue
            ignored = self.config.ignores_schema(record.topic)
            mappings = None if ignored else index_mappings(self._converter.document_schema(record))
            self._client.ensure_index(action.index, mappings)
            self._known_indexes.add(action.index)

    def backlog(self) -> Mapping[TopicPartition, int]:
        return self._tracker.pending()

    def stalled(self) -> str | None:
        writer = self._writer
        return writer.last_error if writer is not None and writer.stalled else None

    # -- results from the sender threads -----------------------------------------------------
    def _on_done(self, action: Action, outcome: Outcome, reason: str | None) -> None:
        if outcome is Outcome.OK:
            self._tracker.done(action.slot)
        elif outcome is Outcome.FATAL:
            self._failure = self._failure or f"Elasticsearch refused a write to index {action.index}: {reason}"
        elif self.config.malformed is MalformedDocs.FAIL:
            slot = action.slot
            error = DataException(f"Elasticsearch rejected the document: {reason or 'rejected'}")
            self.reject_later(action.position, error, lambda: self._tracker.done(slot))
        else:
            if self.config.malformed is MalformedDocs.WARN:
                log.warning("Elasticsearch rejected the document of %s (skipped): %s", action.position, reason)
            self._tracker.done(action.slot)

    def check_failure(self) -> None:
        """Surface what the sender threads found that no record can fix."""
        writer = self._writer
        if writer is None:
            raise ConnectException("the Elasticsearch sink task is not started")
        if writer.fatal is not None:
            raise ConnectException(f"Elasticsearch sink failed: {writer.fatal}") from writer.fatal
        if self._failure is not None:
            raise ConnectException(self._failure)

    # -- offsets ----------------------------------------------------------------------------
    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.check()
        writer = self._writer
        assert writer is not None
        timeout = self.config.flush_timeout_ms / 1000
        if not writer.wait_idle(timeout):
            self.check()
            raise ConnectException(
                f"flush timed out after {timeout:g}s with {writer.buffered} records not "
                f"written to Elasticsearch ({writer.last_error})"
            )
        self.check()

    def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        self.check()
        assert self._writer is not None
        self._writer.flush_now()  # do not let a lingering partial batch hold offsets back
        return self._tracker.safe_offsets(offsets)

    def close(self, partitions: Collection[TopicPartition]) -> None:
        super().close(partitions)
        if self._writer is None:
            return
        gone = set(partitions)
        self._writer.discard(lambda a: TopicPartition(a.position.topic, a.position.kafka_partition) in gone)
        self._tracker.drop(gone)

    def stop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._client is not None:
            self._client.close()
        self._writer = None
