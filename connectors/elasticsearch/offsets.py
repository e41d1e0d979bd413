"""Which consumer offsets are safe to commit: per partition, up to the first record not yet durable."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping

from connect.spi import TopicPartition


class Slot:
    """One record put to the task; `done` turns true (from any thread) once it is written or dropped by policy."""

    __slots__ = ("done", "offset")

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.done = False


class OffsetTracker:
    """Slots in put order per partition; only the task thread adds, trims and drops."""

    def __init__(self) -> None:
        self._slots: dict[TopicPartition, deque[Slot]] = {}

    def add(self, tp: TopicPartition, offset: int) -> Slot:
        slot = Slot(offset)
        queue = self._slots.get(tp)
        if queue is None:
            queue = self._slots[tp] = deque()
        queue.append(slot)
        return slot

    def safe_offsets(self, current: Mapping[TopicPartition, int]) -> dict[TopicPartition, int]:
        """For each partition the offset to commit: the first record not done, else the runtime's position."""
        safe: dict[TopicPartition, int] = {}
        for tp, position in current.items():
            queue = self._slots.get(tp)
            while queue and queue[0].done:
                queue.popleft()
            safe[tp] = min(position, queue[0].offset) if queue else position
        return safe

    def drop(self, partitions: Collection[TopicPartition]) -> None:
        for tp in partitions:
            self._slots.pop(tp, None)
