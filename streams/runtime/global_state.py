"""Global tables: every partition of each global topic, read to its end before processing starts and then
kept up to date from the main loop. The topic itself is the changelog; the local checkpoint lets a
persistent global store replay only what it missed."""

from __future__ import annotations

from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from streams.processors.cdc import SKIP, cdc_row
from streams.state import checkpoint
from streams.state.directory import StateDirectory
from streams.state.memory.store import MemoryBackend
from streams.state.rocksdb.store import RocksDBBackend
from streams.state.store import KeyValueStore
from streams.topology.graph import GlobalStore


class GlobalState:
    def __init__(
        self,
        stores: list[GlobalStore],
        counts: dict[str, int],
        consumer_props: dict[str, Any],
        directory: StateDirectory,
    ) -> None:
        self.folder = directory.global_dir()
        self.checkpoints = checkpoint.read(self.folder)
        self.stores: dict[str, KeyValueStore] = {}
        self._by_topic: dict[str, tuple[KeyValueStore, GlobalStore]] = {}
        assign = []
        for g in stores:
            backend = RocksDBBackend(self.folder / g.name) if g.store.kind == "rocksdb" else MemoryBackend()
            store = KeyValueStore(g.store, backend, changelog=None, partition=-1, max_records=1)
            self.stores[g.name] = store
            self._by_topic[g.topic] = (store, g)
            for p in range(counts[g.topic]):
                start = self.checkpoints.get(checkpoint.key(g.topic, p)) if backend.persistent else None
                assign.append(TopicPartition(g.topic, p, OFFSET_BEGINNING if start is None else start))
        self._partitions = len(assign)
        self.consumer: Consumer | None = None
        if assign:
            self.consumer = Consumer(
                {
                    **consumer_props,
                    "enable.auto.commit": False,
                    "enable.partition.eof": True,
                    "auto.offset.reset": "earliest",
                    "isolation.level": "read_committed",
                }
            )
            self.consumer.assign(assign)

    def bootstrap(self) -> None:
        """Read every global topic to its end (blocks): lookups see the whole table from the first record."""
        if self.consumer is None:
            return
        at_end: set[tuple[str, int]] = set()
        while len(at_end) < self._partitions:
            at_end |= self._apply(self.consumer.consume(5000, 0.5))

    def poll(self) -> None:
        if self.consumer is not None:
            self._apply(self.consumer.consume(1000, 0))

    def _apply(self, msgs: list[Any]) -> set[tuple[str, int]]:
        at_end: set[tuple[str, int]] = set()
        touched = set()
        for msg in msgs:
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    at_end.add((msg.topic(), msg.partition()))
                    continue
                raise RuntimeError(f"global table {msg.topic()}-{msg.partition()}: {err}")
            store, spec = self._by_topic[msg.topic()]
            key = msg.key()
            if key is None:
                continue
            value = spec.value_serde.deserialize(msg.value())
            if spec.cdc:
                value = cdc_row(value)
                if value is SKIP:
                    continue
            store.put_raw(spec.key_serde.serialize(spec.key_serde.deserialize(key)), value)
            self.checkpoints[checkpoint.key(msg.topic(), msg.partition())] = msg.offset() + 1
            touched.add(store)
        for store in touched:
            store.flush()
            store.apply()
        return at_end

    def checkpoint(self) -> None:
        if any(s.backend.persistent for s in self.stores.values()):
            checkpoint.write(self.folder, self.checkpoints)

    def close(self) -> None:
        self.checkpoint()
        if self.consumer is not None:
            self.consumer.close()
        for store in self.stores.values():
            store.close()
