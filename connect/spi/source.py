"""Source tasks: poll batches of records carrying their source partition and offset.

Lifecycle, in call order: initialize(context) → start(props) → poll() repeatedly →
commit() after offsets were flushed → stop(). The runtime commits an offset only after
Kafka acknowledged every record before it, so a task restarted from `context.offset_reader`
re-reads at most the records that were not yet acknowledged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from connect.data import SourceRecord
from connect.spi.errant import ErrantRecordReporter

SourceOffset = tuple[Mapping[str, Any], Mapping[str, Any] | None]
"""A source partition and its offset (None: none committed), as the task's records carried them."""


class OffsetStorageReader(Protocol):
    """Reads the last committed offsets of this connector."""

    def offset(self, partition: Mapping[str, Any]) -> dict[str, Any] | None: ...

    def offsets(self, partitions: Iterable[Mapping[str, Any]]) -> list[SourceOffset]:
        """(partition, offset) for each partition asked, in order."""
        ...


class SourceTaskContext(Protocol):
    """What the runtime offers a running source task."""

    @property
    def offset_reader(self) -> OffsetStorageReader: ...

    @property
    def connector_name(self) -> str: ...

    @property
    def task_id(self) -> int: ...

    def report_status(self, details: Mapping[str, Any]) -> None:
        """Publish progress (e.g. snapshot tables done) into the task status and metrics."""
        ...

    @property
    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        """For records the task cannot emit (e.g. a malformed row): error settings apply, dead-letter topic
        included; under `errors.tolerance=none` report() raises and the task fails."""
        ...


class RecordMetadata(Protocol):
    topic: str
    partition: int
    offset: int


class SourceTask(ABC):
    """A source task; one instance per task, driven by one worker thread."""

    def __init__(self) -> None:
        self.context: SourceTaskContext | None = None

    def initialize(self, context: SourceTaskContext) -> None:
        self.context = context

    @abstractmethod
    def start(self, props: Mapping[str, Any]) -> None:
        """Open connections; read `context.offset_reader` to resume."""

    @abstractmethod
    def poll(self) -> list[SourceRecord] | None:
        """Return the next batch, or None/[] when nothing arrived within a short wait (≤ ~1 s).

        Must not block indefinitely: the runtime stops and pauses tasks between polls. The source system
        unreachable: raise RetriableException (reconnecting in the next poll) and the worker waits it out
        with its backoff (see connect/spi/outages.py). Anything else fails the task.
        """

    def commit(self) -> None:  # noqa: B027 - optional hook
        """Called after offsets up to the last acknowledged record were flushed."""

    def commit_record(self, record: SourceRecord, metadata: RecordMetadata | None) -> None:  # noqa: B027
        """Called per acknowledged record (metadata None when a transform dropped it).

        Only overridden by tasks that need it: the runtime skips the per-record call otherwise.
        """

    def committed_offsets(self, offsets: Sequence[SourceOffset]) -> None:  # noqa: B027
        """Called with the (partition, offset) pairs just flushed (e.g. to confirm a replication slot)."""

    @abstractmethod
    def stop(self) -> None:
        """Release resources; called from the task thread after the final offset commit."""
