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
        self.record = RecordContext(partition)
        self.stores = stores
        self._global = global_stores
        self.folder = folder
        self.checkpoints = checkpoints  # changelog "topic:partition" -> next offset, of persistent stores
        self._send = self.produce = collector.send
        self._collector = collector
        self.processed = 0
        self._last: dict[str, Any] = {}  # topic -> last message processed (its offset is read at commit)

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
                    procs[name].forward,  # a source only forwards: skip its call
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
        self._send(topic, key, value, partition, self.record.message.timestamp()[1])

    def partitions(self, topic: str) -> int:
        return self._collector.partitions(topic)

    # -- processing --------------------------------------------------------------------------
    def process(self, msg: Any, topic: str) -> None:
        process, kdes, vdes = self.sources[topic]
        self.record.message = msg
        process(kdes(msg.key()), vdes(msg.value()))
        self._last[topic] = msg
        self.processed += 1

    def skip(self, msg: Any) -> None:
        """A rejected record still moves the position past it."""
        self._last[msg.topic()] = msg

    @property
    def needs_commit(self) -> bool:
        return any(s.full for s in self.stores.values())

    # -- commit ------------------------------------------------------------------------------
    def flush(self) -> None:
        for store in self.stores.values():
            store.flush()

    def offsets(self) -> list[TopicPartition]:
        return [TopicPartition(t, self.partition, m.offset() + 1) for t, m in self._last.items()]

    def committed(self) -> None:
        self._last = {}
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
        self._last = {}
        for store in self.stores.values():
            store.discard()

    def close(self) -> None:
        for proc in self._processors.values():
            proc.close()
        for store in self.stores.values():
            store.close()
