"""Which source offsets are safe to commit: those of records sent before a producer flush that succeeded.

Records are not acknowledged one by one in Python (a callback per record costs as much as
the produce itself). Instead the producer reports only failures, and an offset commit first
flushes the producer: when the flush leaves nothing in flight and no failure was reported,
every record sent before it is stored in Kafka, so the offsets of all batches sent before
the flush may move. An offset therefore never moves past a record Kafka has not stored.
"""

from __future__ import annotations

from typing import Any


class SubmittedRecords:
    """Offsets of the batches sent since the last commit, merged in send order."""

    def __init__(self) -> None:
        self._offsets: dict[bytes, Any] = {}
        self._records = 0
        self.error: Exception | None = None

    def offsets_for_batch(self) -> dict[bytes, Any]:
        """The dict a batch writes its latest offset per partition key into."""
        return self._offsets

    def add_records(self, count: int) -> None:
        self._records += count

    def on_error(self, err: Any, _msg: Any) -> None:
        """confluent-kafka delivery callback, only called for failures (delivery.report.only.error)."""
        if err is not None and self.error is None:
            self.error = RuntimeError(str(err))

    @property
    def pending_records(self) -> int:
        return self._records

    def take(self) -> tuple[dict[bytes, Any], int]:
        """After a flush that left nothing in flight: everything sent so far, and forget it."""
        if self.error is not None:
            return {}, 0
        offsets, records = self._offsets, self._records
        self._offsets, self._records = {}, 0
        return offsets, records
