"""StreamTask: one sub-topology on one partition number: its processors, its stores, its input positions.

Lifecycle, in call order: created (stores opened and restored by the task manager) → `process(msg)` for each
input record → at each commit `flush()` (stores log their changes), `offsets()` (what to commit), then after
the commit `committed()` (stores apply their writes, checkpoint written) → `close()`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import TopicPartition

from streams.processors.base import Processor, RecordContext
from streams.runtime.collector import RecordCollector
from streams.state import checkpoint
from streams.state.store import KeyValueStore
from streams.topology.graph import TopicRef, Topology
from streams.topology.subtopology import Subtopology


class StreamTask:
    def __init__(
        self,
        *,
        task_id: str,
        sub: Subtopology,
        partition: int,
        topology: Topology,
        application_id: str,
        collector: RecordCollector,
        stores: dict[str, KeyValueStore],
        global_stores: dict[str, KeyValueStore],
        folder: Path,
        checkpoints: dict[str, int],
    ) -> None:
        self.id = task_id
        self.sub = sub
        self.partition = partition
        self.application_id = application_id
        self.record = RecordContext()
        self.stores = stores
        self._global = global_stores
        self.folder = folder
        self.checkpoints = checkpoints  # changelog "topic:partition" -> next offset, of persistent stores
        self._send = collector.send
        self.processed = 0
        self._pending: dict[str, int] = {}  # topic -> next offset to commit

        def resolve(ref: TopicRef) -> str:
            return ref.resolve(application_id)

        procs: dict[str, Processor] = {name: topology.nodes[name].factory(resolve) for name in sub.nodes}
        for name, proc in procs.items():
            proc.children = [procs[c] for c in topology.children[name]]
        for proc in procs.values():
            proc.init(self)
        for proc in procs.values():
            proc.link()
        self._processors = procs
        self.sources: dict[str, tuple[Callable[[Any, Any], None], Any, Any]] = {}
        for name in sub.nodes:
            spec = topology.nodes[name]
            for ref in spec.reads:
                self.sources[resolve(ref)] = (
                    procs[name].process,
                    spec.key_serde.deserialize,
                    spec.value_serde.deserialize,
                )

    # -- TaskContext -------------------------------------------------------------------------
    def store(self, name: str) -> KeyValueStore:
        found = self.stores.get(name) or self._global.get(name)
        if found is None:
            raise KeyError(f"store {name!r} is not connected to task {self.id}")
        return found

    def send(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None) -> None:
        self._send(topic, key, value, partition, self.record.timestamp)

    # -- processing --------------------------------------------------------------------------
    def process(self, msg: Any) -> None:
        topic = msg.topic()
        process, kdes, vdes = self.sources[topic]
        record = self.record
        offset = msg.offset()
        record.topic = topic
        record.partition = self.partition
        record.offset = offset
        record.timestamp = msg.timestamp()[1]
        process(kdes(msg.key()), vdes(msg.value()))
        self._pending[topic] = offset + 1
        self.processed += 1

    def skip(self, msg: Any) -> None:
        """A rejected record still moves the position past it."""
        self._pending[msg.topic()] = msg.offset() + 1

    @property
    def needs_commit(self) -> bool:
        return any(s.full for s in self.stores.values())

    # -- commit ------------------------------------------------------------------------------
    def flush(self) -> None:
        for store in self.stores.values():
            store.flush()

    def offsets(self) -> list[TopicPartition]:
        return [TopicPartition(t, self.partition, o) for t, o in self._pending.items()]

    def committed(self) -> None:
        self._pending = {}
        changed = False
        for store in self.stores.values():
            store.apply()
            if store.backend.persistent and store.changelog is not None and store.changelog_next >= 0:
                key = checkpoint.key(store.changelog, store.partition)
                if self.checkpoints.get(key) != store.changelog_next:
                    self.checkpoints[key] = store.changelog_next
                    changed = True
        if changed:
            checkpoint.write(self.folder, self.checkpoints)

    def discard(self) -> None:
        """Drop what was not committed (lost partitions, an aborted transaction)."""
        self._pending = {}
        for store in self.stores.values():
            store.discard()

    def close(self) -> None:
        for proc in self._processors.values():
            proc.close()
        for store in self.stores.values():
            store.close()
