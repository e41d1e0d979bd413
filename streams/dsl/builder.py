"""StreamsBuilder: where a topology starts (streams, tables, CDC tables, global tables) and is built.

    from streams import KafkaStreams, StreamsBuilder

    builder = StreamsBuilder()
    orders = builder.stream("orders")                       # JSON keys and values by default
    orders.filter(lambda k, v: v["total"] > 100).map_values(lambda v: {**v, "big": True}).to("big-orders")
    counts = orders.group_by(lambda k, v: v["customer_id"]).count(name="orders-per-customer")
    counts.to_stream().to("order-counts")

    customers = builder.cdc_table("shop.public.customers")  # Debezium topic: latest row per key
    print(builder.build().describe())

    app = KafkaStreams(builder.build(), {"application.id": "shop", "bootstrap.servers": "localhost:9092"})
    app.run()                                               # until app.close() or SIGTERM

Every step takes `name=`; stateful steps take `store=` (the store's name, hence its changelog topic
`<application.id>-<store>-changelog`) and `in_memory=True` for a memory store instead of RocksDB.
Unnamed steps get Kafka Streams' generated names (`KSTREAM-FILTER-0000000003`), which shift when steps are
added: name stateful steps in applications that must keep their state across topology changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from streams.processors.base import Processor, store_getter
from streams.processors.stateless import Sink, Source
from streams.processors.tables import TableSource
from streams.serdes import CDC_JSON, JSON
from streams.state.spec import StoreSpec
from streams.topology.graph import GlobalStore, InternalTopic, NodeSpec, TopicRef, Topology

if TYPE_CHECKING:
    from streams.dsl.global_table import GlobalKTable
    from streams.dsl.stream import KStream
    from streams.dsl.table import KTable


class StreamsBuilder:
    def __init__(self) -> None:
        self.topology = Topology()
        self._counter = 0

    # -- entry points ----------------------------------------------------------------------
    def stream(
        self,
        topics: str | Sequence[str],
        *,
        key_serde: Any = None,
        value_serde: Any = None,
        name: str | None = None,
    ) -> KStream:
        from streams.dsl.stream import KStream

        names = [topics] if isinstance(topics, str) else list(topics)
        ks, vs = key_serde or JSON, value_serde or JSON
        node = self.source(name or self.name("KSTREAM-SOURCE"), [TopicRef(t) for t in names], ks, vs)
        return KStream(self, node, ks, vs)

    def table(
        self,
        topic: str,
        *,
        cdc: bool = False,
        key_serde: Any = None,
        value_serde: Any = None,
        name: str | None = None,
        store: str | None = None,
        in_memory: bool = False,
    ) -> KTable:
        """The latest value per key of `topic`; a None value (tombstone) deletes the key. With `cdc=True` the
        values are Debezium change events (see `cdc_table`)."""
        from streams.dsl.table import KTable

        default = CDC_JSON if cdc else JSON
        ks, vs = key_serde or default, value_serde or default
        source = self.source(
            self.name("KSTREAM-SOURCE") if name is None else f"{name}-source", [TopicRef(topic)], ks, vs
        )
        store_name = store or f"{topic}-STATE-STORE"
        self.add_store(StoreSpec(store_name, "memory" if in_memory else "rocksdb", ks, vs))
        node = self.node(
            name or self.name("KTABLE-SOURCE"), lambda r: TableSource(store_name, cdc), [source], stores=(store_name,)
        )
        return KTable(self, node, ks, vs, store_getter(store_name), store_name)

    def cdc_table(self, topic: str, **kwargs: Any) -> KTable:
        """A table of the rows of a Debezium (or sluice) CDC topic: envelope or unwrapped, JSON with or without
        Kafka Connect's schema envelope. `op` c/u/r upsert `after` (snapshot reads are upserts), `op=d` and
        tombstones delete, an unwrapped row with `__deleted: "true"` deletes. Keys are the topic's keys
        (`{"id": 42}` for a Debezium key)."""
        return self.table(topic, cdc=True, **kwargs)

    def global_table(
        self,
        topic: str,
        *,
        cdc: bool = False,
        key_serde: Any = None,
        value_serde: Any = None,
        store: str | None = None,
        in_memory: bool = False,
    ) -> GlobalKTable:
        """A table replicated in full to every instance: joinable from any partition by any key."""
        from streams.dsl.global_table import GlobalKTable

        default = CDC_JSON if cdc else JSON
        ks, vs = key_serde or default, value_serde or default
        name = store or f"{topic}-GLOBAL-STORE"
        spec = StoreSpec(name, "memory" if in_memory else "rocksdb", ks, vs, logged=False)
        self.topology.add_global_store(GlobalStore(name, topic, spec, ks, vs, cdc))
        return GlobalKTable(name, ks, vs)

    def add_store(self, spec: StoreSpec) -> None:
        """Declare a store for custom processors (`KStream.process(..., stores=[name])`)."""
        self.topology.add_store(spec)

    def build(self) -> Topology:
        return self.topology

    # -- used by the DSL classes ------------------------------------------------------------
    def name(self, prefix: str) -> str:
        n = self._counter
        self._counter += 1
        return f"{prefix}-{n:010d}"

    def node(
        self,
        name: str,
        factory: Callable[[Callable[[TopicRef], str]], Processor],
        parents: Sequence[str],
        *,
        stores: Sequence[str] = (),
        writes: Sequence[TopicRef] = (),
    ) -> str:
        self.topology.add_node(
            NodeSpec(name, "processor", factory, list(parents), stores=tuple(stores), writes=tuple(writes))
        )
        return name

    def source(self, name: str, refs: Sequence[TopicRef], key_serde: Any, value_serde: Any) -> str:
        self.topology.add_node(
            NodeSpec(
                name, "source", lambda r: Source(), [], reads=tuple(refs), key_serde=key_serde, value_serde=value_serde
            )
        )
        return name

    def sink(
        self, name: str, parent: str, ref: TopicRef, key_serde: Any, value_serde: Any, partitioner: Any = None
    ) -> str:
        self.topology.add_node(
            NodeSpec(
                name,
                "sink",
                lambda resolve: Sink(resolve(ref), key_serde, value_serde, partitioner),
                [parent],
                writes=(ref,),
            )
        )
        return name

    def repartition(
        self, parent: str, name: str, key_serde: Any, value_serde: Any, partitions: int | None = None
    ) -> str:
        """Send `parent`'s records through `<application.id>-<name>-repartition`; returns the reading source."""
        ref = TopicRef(f"{name}-repartition", internal=True)
        self.topology.add_internal_topic(InternalTopic(ref, partitions))
        self.sink(f"{name}-repartition-sink", parent, ref, key_serde, value_serde)
        return self.source(f"{name}-repartition-source", [ref], key_serde, value_serde)
