"""A sink task context for tests: records pauses, resumes and commit requests; an optional errant-record reporter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connect.spi import TopicPartition


class ListReporter:
    """An errant-record reporter that keeps what it is given (the worker's sends it to the dead-letter topic)."""

    def __init__(self) -> None:
        self.reported: list[tuple[Any, BaseException]] = []

    def report(self, record: Any, error: BaseException) -> None:
        self.reported.append((record, error))


class SinkContext:
    """What a worker gives a sink task, without the worker: assignment, pause/resume, rewinds, a reporter."""

    def __init__(
        self,
        partitions: set[TopicPartition],
        reporter: ListReporter | None = None,
        connector_name: str = "test",
        task_id: int = 0,
    ) -> None:
        self.partitions = set(partitions)
        self.paused: set[TopicPartition] = set()
        self.rewinds: dict[TopicPartition, int] = {}
        self.commit_requested = False
        self.errant_record_reporter = reporter
        self.connector_name = connector_name
        self.task_id = task_id

    def assignment(self) -> set[TopicPartition]:
        return set(self.partitions)

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused.difference_update(partitions)

    def offset(self, offsets: Mapping[TopicPartition, int]) -> None:
        self.rewinds.update(offsets)

    def request_commit(self) -> None:
        self.commit_requested = True
