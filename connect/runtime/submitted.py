"""Which source offsets are safe to commit: only a prefix of batches Kafka fully acknowledged.

Records are tracked per batch, not per record: each batch remembers the last offset per
source partition and counts outstanding acknowledgements. Only when every record of a
batch and of all batches before it is acknowledged do its offsets become committable, so
an offset never moves past a record Kafka has not stored.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


class SubmittedBatch:
    __slots__ = ("error", "offsets", "pending", "records")

    def __init__(self) -> None:
        self.offsets: dict[bytes, Any] = {}
        self.pending = 0
        self.records = 0
        self.error: Exception | None = None

    def on_delivery(self, err: Any, _msg: Any) -> None:
        """confluent-kafka delivery callback (runs in the task thread during poll/flush)."""
        if err is not None and self.error is None:
            self.error = RuntimeError(str(err))
        self.pending -= 1


class SubmittedRecords:
    def __init__(self) -> None:
        self._batches: deque[SubmittedBatch] = deque()
        self._lock = threading.Lock()
        self.acked_records = 0

    def new_batch(self) -> SubmittedBatch:
        batch = SubmittedBatch()
        with self._lock:
            self._batches.append(batch)
        return batch

    @property
    def outstanding(self) -> int:
        return sum(b.pending for b in self._batches)

    def first_error(self) -> Exception | None:
        for b in self._batches:
            if b.error is not None:
                return b.error
        return None

    def committable(self) -> dict[bytes, Any]:
        """Pop the acknowledged prefix and return its latest offset per partition key."""
        merged: dict[bytes, Any] = {}
        with self._lock:
            while self._batches and self._batches[0].pending <= 0 and self._batches[0].error is None:
                batch = self._batches.popleft()
                merged.update(batch.offsets)
                self.acked_records += batch.records
        return merged
