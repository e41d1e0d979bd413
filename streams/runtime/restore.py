"""Restoring stores from their changelogs: from the checkpoint (persistent stores) or the beginning, to
the end of the committed log, before the task processes anything."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from streams.state.store import KeyValueStore

log = logging.getLogger(__name__)
_BATCH = 5000
_NO_LEADER = (
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_PARTITION,
)


@dataclass
class RestoreJob:
    store: KeyValueStore
    topic: str
    partition: int
    start: int | None  # the checkpoint offset, or None for the beginning
    reset: Callable[[], None]  # empties the store when the checkpoint cannot be used


class ChangelogRestorer:
    def __init__(self, consumer_props: dict[str, Any], on_progress: Callable[[str, int, int], None]) -> None:
        self.consumer = Consumer(
            {
                **consumer_props,
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
            }
        )
        self._progress = on_progress

    def restore(self, jobs: list[RestoreJob], timeout: float = 300.0) -> dict[tuple[str, int], int]:
        """Replay each job's changelog partition into its store; returns the next offset reached per partition."""
        reached: dict[tuple[str, int], int] = {}
        todo: dict[tuple[str, int], RestoreJob] = {}
        assign: list[TopicPartition] = []
        for job in jobs:
            low, high = self._watermarks(job.topic, job.partition)
            start = job.start
            if start is not None and (start > high or start < low):
                log.info(
                    "checkpoint %s of %s-%d is outside [%d, %d]: restoring in full",
                    start,
                    job.topic,
                    job.partition,
                    low,
                    high,
                )
                job.reset()
                start = None
            if start is not None and start >= high:
                reached[(job.topic, job.partition)] = start
                continue
            if high == low:
                continue
            todo[(job.topic, job.partition)] = job
            assign.append(TopicPartition(job.topic, job.partition, OFFSET_BEGINNING if start is None else start))
        if not todo:
            return reached
        self.consumer.assign(assign)
        pending = dict(todo)
        batches: dict[tuple[str, int], list[tuple[bytes, bytes | None]]] = {k: [] for k in todo}
        counts = dict.fromkeys(todo, 0)
        deadline = time.monotonic() + timeout
        try:
            while pending:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"restoring {', '.join(f'{t}-{p}' for t, p in pending)} took over {timeout} s")
                for msg in self.consumer.consume(_BATCH, 0.5):
                    tp = (msg.topic(), msg.partition())
                    err = msg.error()
                    if err is not None:
                        if err.code() == KafkaError._PARTITION_EOF and tp in pending:
                            del pending[tp]
                            continue
                        if err.code() == KafkaError._PARTITION_EOF:
                            continue
                        raise RuntimeError(f"restoring {tp[0]}-{tp[1]}: {err}")
                    batch = batches[tp]
                    batch.append((msg.key(), msg.value()))
                    if len(batch) >= _BATCH:
                        todo[tp].store.backend.write(batch)
                        counts[tp] += len(batch)
                        self._progress(todo[tp].store.name, tp[1], counts[tp])
                        batches[tp] = []
            for tp, batch in batches.items():
                if batch:
                    todo[tp].store.backend.write(batch)
                    counts[tp] += len(batch)
                self._progress(todo[tp].store.name, tp[1], counts[tp])
            positions = self.consumer.position([TopicPartition(t, p) for t, p in todo])
            for tp in positions:
                if tp.offset >= 0:
                    reached[(tp.topic, tp.partition)] = tp.offset
        finally:
            self.consumer.unassign()
        return reached

    def _watermarks(self, topic: str, partition: int, timeout: float = 30.0) -> tuple[int, int]:
        """Retries while the partition has no leader (a changelog just created, a broker failing over)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.consumer.get_watermark_offsets(TopicPartition(topic, partition), 10)
            except KafkaException as exc:
                if (
                    not exc.args[0].retriable() and exc.args[0].code() not in _NO_LEADER
                ) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def close(self) -> None:
        self.consumer.close()
