"""Batching sinks: the sink author writes `write(batch)`; the base reports, refuses and pauses.

A sink task that writes batches subclasses `BatchingSinkTask` and implements `start`, `stop` and
`write(batch) -> rejected`. The base's `put(records)` does, in order:

1. `check()`: fails the task for what the sink cannot recover from (`check_failure()`), and reports
   the records its background writers found rejected since the last call (`reject_later`);
2. refuses the batch with RetriableException while `stalled()` gives a reason (writes keep failing):
   the worker's outage rule (connect/spi/outages.py) then holds the batch and offers it again;
3. `write(batch)`: writes the batch, or hands it to background writers, and returns the records the
   target refused or that cannot become what it holds, each with why;
4. reports those to the errant-record reporter (dead-letter topic, or the task fails), in offset
   order and only now: a batch refused with RetriableException and offered again is never reported twice;
5. pauses the partitions that back up: when `backlog()` (per partition, in the sink's own unit) adds
   up to more than `backlog_limit`, each partition holding part of it is paused, and every partition
   paused so is resumed once the total is down to half the limit. Partitions with nothing waiting
   go on.

`pre_commit` runs `check()` first. A sink whose writes are durable when `write` returns needs nothing
more (the default `pre_commit` commits every offset put); one with background writers returns the
offsets they made durable. A retry loop of its own below the outage rule uses `outages.Retries`.

    class LinesSinkTask(BatchingSinkTask):
        target = "the file"

        def start(self, props):
            self.out = open(props["file"], "a")

        def write(self, batch):
            rejected = []
            for record in batch:
                if isinstance(record.value, str):
                    self.out.write(record.value + "\\n")
                else:
                    rejected.append((record, DataException("the value is not a string")))
            self.out.flush()
            return rejected

        def stop(self):
            self.out.close()
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import ClassVar

from connect.data import RecordPosition, SinkRecord
from connect.errors import DataException, RetriableException
from connect.spi.sink import SinkTask, SinkTaskContext, TopicPartition

log = logging.getLogger(__name__)

Rejected = tuple[SinkRecord | RecordPosition, Exception]  # a record, or where it was read (see spi/errant.py)


def where(record: SinkRecord | RecordPosition) -> str:
    """Where a record was consumed (before transforms renamed it): `topic-partition@offset`, for messages."""
    return str(record.position if isinstance(record, SinkRecord) else record)


def _offset(record: SinkRecord | RecordPosition) -> int:
    return record.original_kafka_offset if isinstance(record, SinkRecord) else record.kafka_offset


class Backpressure:
    """Pauses the partitions that back up, in one task; see the module docstring (step 5)."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.what = what
        self.paused: set[TopicPartition] = set()

    def update(self, context: SinkTaskContext | None, backlog: Mapping[TopicPartition, int]) -> None:
        if context is None or self.limit <= 0:
            return
        total = sum(backlog.values())
        if total > self.limit:
            backing_up = {tp for tp, size in backlog.items() if size > 0} - self.paused
            if backing_up:
                context.pause(*backing_up)
                self.paused |= backing_up
                log.info("paused %s: %d %s waiting", _names(backing_up), total, self.what)
        elif self.paused and total <= self.limit // 2:
            context.resume(*self.paused)
            log.info("resumed %s", _names(self.paused))
            self.paused.clear()

    def forget(self, partitions: Collection[TopicPartition]) -> None:
        self.paused.difference_update(partitions)


def _names(partitions: Collection[TopicPartition]) -> str:
    return ", ".join(f"{tp.topic}-{tp.partition}" for tp in sorted(partitions))


class BatchingSinkTask(SinkTask):
    """A sink task that writes batches; see the module docstring for what `put` does around `write`."""

    target: ClassVar[str] = "the target"  # what the sink writes to, as messages name it
    backlog_unit: ClassVar[str] = "records"

    def __init__(self) -> None:
        super().__init__()
        self._later: deque[tuple[SinkRecord | RecordPosition, Exception, Callable[[], None] | None]] = deque()
        self._backpressure = Backpressure(0, self.backlog_unit)

    # -- what the sink author writes --------------------------------------------------------------
    @abstractmethod
    def write(self, batch: list[SinkRecord]) -> Sequence[Rejected]:
        """Write `batch` (possibly empty), or hand it to background writers; the records refused, with why.

        Raise RetriableException while the target cannot take the batch for now (nothing of it accepted),
        ConnectException for what no retry fixes."""

    def check_failure(self) -> None:
        """Raise ConnectException when the sink found a failure no retry fixes (a background writer's)."""

    def stalled(self) -> str | None:
        """Why the target refuses new records for now (background writes keep failing); None while it accepts."""
        return None

    def backlog(self) -> Mapping[TopicPartition, int]:
        """What waits to be written, per partition, in `backlog_unit`s (compared with `backlog_limit`)."""
        return {}

    @property
    def backlog_limit(self) -> int:
        """Pause partitions once `backlog()` adds up to more than this (0: never); set at start."""
        return self._backpressure.limit

    @backlog_limit.setter
    def backlog_limit(self, limit: int) -> None:
        self._backpressure.limit = limit

    # -- what the base does ------------------------------------------------------------------------
    def put(self, records: list[SinkRecord]) -> None:
        self.check()
        reason = self.stalled()
        if reason is not None:
            raise RetriableException(
                f"{self.target} is not accepting writes ({reason}); the records will be offered again"
            )
        rejected = self.write(records)
        if rejected:
            for record, error in sorted(rejected, key=lambda item: _offset(item[0])):
                self.report(record, error)
        self._backpressure.update(self.context, self.backlog())

    def check(self) -> None:
        """Fail for what the sink cannot recover from; report what background writers found rejected."""
        self.check_failure()
        later = self._later
        while later:
            record, error, then = later[0]
            self.report(record, error)
            if then is not None:
                then()
            later.popleft()

    def reject_later(
        self, record: SinkRecord | RecordPosition, error: Exception, then: Callable[[], None] | None = None
    ) -> None:
        """From any thread: report `record` at the next `check()` (in the task's thread), then call `then`
        (e.g. to let its offset be committed)."""
        self._later.append((record, error, then))

    def report(self, record: SinkRecord | RecordPosition, error: Exception) -> None:
        """Hand a record to the error handling (dead-letter topic or task failure, per errors.tolerance)."""
        reporter = self.context.errant_record_reporter if self.context is not None else None
        if reporter is None:
            raise DataException(f"record {where(record)}: {error}") from error
        reporter.report(record, error)

    def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        self.check()
        return super().pre_commit(offsets)

    def close(self, partitions: Collection[TopicPartition]) -> None:
        self._backpressure.forget(partitions)
