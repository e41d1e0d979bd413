"""TaskManager: turns the consumer group's assignment into tasks, and commits them.

The group assigns each sub-topology's anchor topic (cooperative-sticky). Getting partition p of an anchor
creates task `<sub-topology>_<p>`: its stores are opened and restored, and partition p of the
sub-topology's other source topics is added to the consumer's assignment, so co-partitioned topics are
always read by the same task. Losing partition p commits, checkpoints and closes the task (its state moves
to whichever instance gets p next, through the changelog).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from streams.config import StreamsConfig
from streams.metrics import StreamsMetrics
from streams.runtime.collector import RecordCollector
from streams.runtime.restore import ChangelogRestorer, RestoreJob
from streams.runtime.task import StreamTask
from streams.runtime.topics import Plan
from streams.state import checkpoint
from streams.state.directory import StateDirectory
from streams.state.memory.store import MemoryBackend
from streams.state.rocksdb.store import RocksDBBackend
from streams.state.store import KeyValueStore
from streams.topology.graph import Topology

log = logging.getLogger(__name__)


class TaskManager:
    def __init__(
        self,
        *,
        topology: Topology,
        plan: Plan,
        config: StreamsConfig,
        collector: RecordCollector,
        directory: StateDirectory,
        restorer: ChangelogRestorer,
        global_stores: dict[str, KeyValueStore],
        metrics: StreamsMetrics,
    ) -> None:
        self.topology = topology
        self.plan = plan
        self.config = config
        self.collector = collector
        self.directory = directory
        self.restorer = restorer
        self.global_stores = global_stores
        self.metrics = metrics
        self.tasks: dict[str, StreamTask] = {}
        self.by_topic: dict[str, dict[int, StreamTask]] = {}
        self._sub_of_anchor = {topic: sub for sub, topic in plan.anchors.items()}
        self.consumer: Consumer | None = None
        self.failure: BaseException | None = None  # raised in a rebalance callback, re-raised by the loop

    def guarded(self, callback: Callable[[Consumer, list[TopicPartition]], None]) -> Callable[..., None]:
        """A rebalance callback that never lets an exception through librdkafka (which mangles it): the
        loop raises it after the poll instead."""

        def run(consumer: Consumer, partitions: list[TopicPartition]) -> None:
            if self.failure is not None:
                return
            try:
                callback(consumer, partitions)
            except BaseException as exc:
                self.failure = exc

        return run

    # -- rebalance callbacks ------------------------------------------------------------------
    def on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        added: list[TopicPartition] = []
        for tp in partitions:
            sub = self._sub_of_anchor.get(tp.topic)
            if sub is None:
                continue
            task = self._create(sub, tp.partition)
            for topic in self.plan.sources[sub]:
                if tp.partition < self.plan.counts[topic]:
                    added.append(TopicPartition(topic, tp.partition))
                    self.by_topic.setdefault(topic, {})[tp.partition] = task
        consumer.incremental_assign(added)
        self.metrics.set_tasks(len(self.tasks))
        log.info("assigned tasks now: %s", sorted(self.tasks))

    def on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.commit(consumer)
        consumer.incremental_unassign(self._close_for(partitions, clean=True))
        self.metrics.set_tasks(len(self.tasks))

    def on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.collector.abort()
        for task in self.tasks.values():
            task.discard()
        consumer.incremental_unassign(self._close_for(partitions, clean=False))
        self.metrics.set_tasks(len(self.tasks))

    def _close_for(self, partitions: list[TopicPartition], clean: bool) -> list[TopicPartition]:
        removed: list[TopicPartition] = []
        for tp in partitions:
            sub = self._sub_of_anchor.get(tp.topic)
            task = self.tasks.pop(f"{sub}_{tp.partition}", None) if sub is not None else None
            if task is None:
                continue
            for topic in self.plan.sources[sub]:  # type: ignore[index]
                if self.by_topic.get(topic, {}).pop(tp.partition, None) is not None:
                    removed.append(TopicPartition(topic, tp.partition))
            if not clean:
                task.discard()
            task.close()
        return removed

    # -- tasks --------------------------------------------------------------------------------
    def _create(self, sub_id: int, partition: int) -> StreamTask:
        task_id = f"{sub_id}_{partition}"
        sub = self.plan.subtopologies[sub_id]
        folder = self.directory.task(task_id)
        checkpoints = checkpoint.read(folder)
        stores: dict[str, KeyValueStore] = {}
        jobs: list[RestoreJob] = []
        for name in sub.stores:
            spec = self.topology.stores[name]
            changelog = self.plan.changelogs.get(name)
            path = folder / "rocksdb" / name
            backend: Any = RocksDBBackend(path) if spec.kind == "rocksdb" else MemoryBackend()
            store = KeyValueStore(
                spec, backend, changelog=changelog, partition=partition, max_records=self.config.cache_max_records
            )
            stores[name] = store
            if changelog is not None:
                start = checkpoints.get(checkpoint.key(changelog, partition)) if backend.persistent else None
                jobs.append(RestoreJob(store, changelog, partition, start, _resetter(store, path)))
        reached = self.restorer.restore(jobs)
        for (topic, p), offset in reached.items():
            checkpoints[checkpoint.key(topic, p)] = offset
        if reached:
            checkpoint.write(folder, checkpoints)
        task = StreamTask(
            task_id=task_id,
            sub=sub,
            partition=partition,
            topology=self.topology,
            application_id=self.config.application_id,
            collector=self.collector,
            stores=stores,
            global_stores=self.global_stores,
            folder=folder,
            checkpoints=checkpoints,
        )
        for store in stores.values():
            store.bind(self.collector.send_raw)
        self.tasks[task_id] = task
        return task

    # -- commit -------------------------------------------------------------------------------
    def commit(self, consumer: Consumer) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.flush()
        offsets = [tp for task in tasks for tp in task.offsets()]
        try:
            self.collector.commit(offsets, consumer)
        except Exception:
            for task in tasks:
                task.discard()
            raise
        for task in tasks:
            task.committed()
            self.metrics.processed_by(task.id, task.processed)
            task.processed = 0

    def needs_commit(self) -> bool:
        return any(task.needs_commit for task in self.tasks.values())

    def report(self, consumer: Consumer) -> None:
        """Lag and store sizes for the metrics (at commit time, from cached watermarks)."""
        for topic, tasks in self.by_topic.items():
            for partition in tasks:
                tp = TopicPartition(topic, partition)
                try:
                    _, high = consumer.get_watermark_offsets(tp, cached=True)
                    (pos,) = consumer.position([tp])
                except Exception:  # metrics must never stop processing
                    continue
                if high >= 0 and pos.offset >= 0:
                    self.metrics.set_lag(topic, partition, max(high - pos.offset, 0))
        for task in self.tasks.values():
            for store in task.stores.values():
                self.metrics.set_store_entries(store.name, task.id, store.approximate_count())

    def close(self, consumer: Consumer | None, clean: bool) -> None:
        if clean and consumer is not None and self.tasks:
            self.commit(consumer)
        for task in list(self.tasks.values()):
            if not clean:
                task.discard()
            task.close()
        self.tasks.clear()
        self.by_topic.clear()


def _resetter(store: KeyValueStore, path: Any) -> Any:
    def reset() -> None:
        if store.backend.persistent:
            store.backend.close()
            RocksDBBackend.wipe(path)
            store.backend = RocksDBBackend(path)

    return reset
