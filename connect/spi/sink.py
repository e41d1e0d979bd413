"""Sink tasks: write batches of records and say which offsets are safe to commit.

Lifecycle, in call order: initialize(context) → start(props) → open(partitions) →
put(records) repeatedly → flush(offsets)/pre_commit(offsets) → close(partitions) → stop().
The runtime commits consumer offsets only to what `pre_commit` returns, so a task that
buffers writes returns only the offsets of what is durable in the target.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple, Protocol

from connect.data import SinkRecord
from connect.spi.errant import ErrantRecordReporter


class TopicPartition(NamedTuple):
    topic: str
    partition: int


class SinkTaskContext(Protocol):
    """What the runtime offers a running sink task."""

    @property
    def connector_name(self) -> str: ...

    @property
    def task_id(self) -> int: ...

    def assignment(self) -> set[TopicPartition]: ...

    def pause(self, *partitions: TopicPartition) -> None: ...

    def resume(self, *partitions: TopicPartition) -> None: ...

    def offset(self, offsets: Mapping[TopicPartition, int]) -> None:
        """Rewind or skip: the next records `put` receives for these partitions start at these offsets.

        Nothing fetched from the old position is delivered first. Asked for in `put`, the batch at hand
        was already handed over: its records of these partitions from the new offset on come again.
        """
        ...

    def request_commit(self) -> None: ...

    @property
    def errant_record_reporter(self) -> ErrantRecordReporter | None: ...


class SinkTask(ABC):
    """A sink task; one instance per task, driven by one worker thread."""

    def __init__(self) -> None:
        self.context: SinkTaskContext | None = None

    def initialize(self, context: SinkTaskContext) -> None:
        self.context = context

    @abstractmethod
    def start(self, props: Mapping[str, Any]) -> None:
        """Open connections to the target."""

    def open(self, partitions: Collection[TopicPartition]) -> None:  # noqa: B027
        """Partitions newly assigned to this task."""

    @abstractmethod
    def put(self, records: list[SinkRecord]) -> None:
        """Write (or buffer) a batch.

        The target unreachable or refusing work for now: raise RetriableException and the worker waits
        it out, offering the same batch again (see connect/spi/outages.py). Anything else fails the task.
        """

    def flush(self, offsets: Mapping[TopicPartition, int]) -> None:  # noqa: B027
        """Make everything put so far durable."""

    def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        """Offsets (next to read) safe to commit; default: flush everything, then all of them."""
        self.flush(offsets)
        return offsets

    def close(self, partitions: Collection[TopicPartition]) -> None:  # noqa: B027
        """Partitions taken away (rebalance or stop): drop their buffered state."""

    @abstractmethod
    def stop(self) -> None:
        """Release connections."""
