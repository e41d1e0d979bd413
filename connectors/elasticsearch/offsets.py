"""Which consumer offsets are safe to commit: per partition, up to the first record not yet durable."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Collection, Mapping

from connect.spi import TopicPartition


class _Partition:
    __slots__ = ("pending", "slots")

    def __init__(self) -> None:
        self.slots: deque[Slot] = deque()
        self.pending = 0  # slots not done


class Slot:
    """One record put to the task; done (from any thread, through `OffsetTracker.done`) once written or
    dropped by policy."""

    __slots__ = ("done", "offset", "partition")

    def __init__(self, partition: _Partition, offset: int) -> None:
        self.partition = partition
        self.offset = offset
        self.done = False


class OffsetTracker:
    """Slots in put order per partition, and how many are not done; only the task thread adds, trims and drops."""

    def __init__(self) -> None:
        self._partitions: dict[TopicPartition, _Partition] = {}
        self._lock = threading.Lock()  # the pending counts, changed by the task thread and the senders
        self._closed: set[TopicPartition] = set()  # dropped, not reopened: no offset of theirs is vouched for

    def add(self, tp: TopicPartition, offset: int) -> Slot:
        partition = self._partitions.get(tp)
        if partition is None:
            partition = self._partitions[tp] = _Partition()
        slot = Slot(partition, offset)
        partition.slots.append(slot)
        with self._lock:
            partition.pending += 1
        return slot

    def done(self, slot: Slot) -> None:
        with self._lock:
            if not slot.done:
                slot.done = True
                slot.partition.pending -= 1

    def pending(self) -> dict[TopicPartition, int]:
        """Records not done yet, per partition."""
        return {tp: p.pending for tp, p in self._partitions.items()}

    def safe_offsets(self, current: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """For each partition the offset to commit: the first record not done, else the runtime's position."""
        safe: dict[TopicPartition, int] = {}
        for tp, position in current.items():
            if tp in self._closed:  # what it held was dropped unwritten: the position is not durable
                continue
            partition = self._partitions.get(tp)
            queue = partition.slots if partition is not None else None
            while queue and queue[0].done:
                queue.popleft()
            safe[tp] = min(position, queue[0].offset) if queue else position
        return safe

    def open(self, partitions: Collection[TopicPartition]) -> None:
        self._closed.difference_update(partitions)

    def drop(self, partitions: Collection[TopicPartition]) -> None:
        for tp in partitions:
            self._partitions.pop(tp, None)  # slots still in flight complete the dropped partition's count
        self._closed.update(partitions)
