"""KStream: an unbounded sequence of independent records, and its operators.

    builder = StreamsBuilder()
    words = builder.stream("lines", key_serde=STRING, value_serde=STRING)
    (words.flat_map_values(str.split)
          .select_key(lambda k, word: word)          # a new key: the count below repartitions first
          .group_by_key()
          .count(store="word-counts")
          .to_stream()
          .to("word-counts", value_serde=LONG))

Predicates, mappers and actions take `(key, value)`, except the `*_values` mappers, which take the value.
A step that changes the key (map, flat_map, select_key) marks the stream: the next stateful step (group_by_key
then an aggregation, a join) first sends it through `<application.id>-<name>-repartition`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from streams.errors import TopologyError
from streams.processors import stateless as sp
from streams.processors.base import Processor, store_getter
from streams.processors.joins import StreamTableJoin
from streams.processors.tables import TableSource
from streams.state.spec import StoreSpec
from streams.topology.graph import TopicRef

if TYPE_CHECKING:
    from streams.dsl.builder import StreamsBuilder
    from streams.dsl.global_table import GlobalKTable
    from streams.dsl.grouped import KGroupedStream
    from streams.dsl.table import KTable


class KStream:
    def __init__(
        self, builder: StreamsBuilder, node: str, key_serde: Any, value_serde: Any, repartition_required: bool = False
    ) -> None:
        self._b = builder
        self.node = node
        self.key_serde = key_serde
        self.value_serde = value_serde
        self.repartition_required = repartition_required

    def _then(
        self,
        prefix: str,
        factory: Callable[[], Processor],
        name: str | None,
        *,
        rekeyed: bool = False,
        stores: Iterable[str] = (),
    ) -> KStream:
        node = self._b.node(name or self._b.name(prefix), lambda r: factory(), [self.node], stores=tuple(stores))
        return KStream(self._b, node, self.key_serde, self.value_serde, self.repartition_required or rekeyed)

    # -- stateless ---------------------------------------------------------------------------
    def filter(self, predicate: Callable[[Any, Any], bool], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-FILTER", lambda: sp.Filter(predicate, True), name)

    def filter_not(self, predicate: Callable[[Any, Any], bool], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-FILTER", lambda: sp.Filter(predicate, False), name)

    def map_values(self, mapper: Callable[[Any], Any], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-MAPVALUES", lambda: sp.MapValues(mapper), name)

    def map(self, mapper: Callable[[Any, Any], tuple[Any, Any]], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-MAP", lambda: sp.Map(mapper), name, rekeyed=True)

    def flat_map(self, mapper: Callable[[Any, Any], Iterable[tuple[Any, Any]]], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-FLATMAP", lambda: sp.FlatMap(mapper), name, rekeyed=True)

    def flat_map_values(self, mapper: Callable[[Any], Iterable[Any]], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-FLATMAPVALUES", lambda: sp.FlatMapValues(mapper), name)

    def select_key(self, selector: Callable[[Any, Any], Any], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-KEY-SELECT", lambda: sp.SelectKey(selector), name, rekeyed=True)

    def peek(self, action: Callable[[Any, Any], Any], *, name: str | None = None) -> KStream:
        return self._then("KSTREAM-PEEK", lambda: sp.Peek(action), name)

    def foreach(self, action: Callable[[Any, Any], Any], *, name: str | None = None) -> None:
        self._then("KSTREAM-FOREACH", lambda: sp.Peek(action), name)

    def process(
        self, factory: Callable[[], Processor], *, stores: Iterable[str] = (), name: str | None = None
    ) -> KStream:
        """A custom processor (subclass `streams.Processor`): `init(ctx)` gets `ctx.store(name)` for the
        stores named here (declared with `StreamsBuilder.add_store`); `process(key, value)` may `forward`."""
        return self._then("KSTREAM-PROCESSOR", factory, name, rekeyed=True, stores=stores)

    def with_serdes(self, *, key_serde: Any = None, value_serde: Any = None) -> KStream:
        """The same stream, written to topics and stores with these serdes from here on."""
        return KStream(
            self._b, self.node, key_serde or self.key_serde, value_serde or self.value_serde, self.repartition_required
        )

    def split(self, *, name: str | None = None) -> BranchedStream:
        """Route each record to the first branch whose predicate holds:
        `s.split().branch(is_big, name="big").default_branch(name="rest")` → {"big": KStream, "rest": KStream}."""
        return BranchedStream(self, name or self._b.name("KSTREAM-BRANCH"))

    def merge(self, other: KStream, *, name: str | None = None) -> KStream:
        node = self._b.node(name or self._b.name("KSTREAM-MERGE"), lambda r: sp.Source(), [self.node, other.node])
        return KStream(
            self._b, node, self.key_serde, self.value_serde, self.repartition_required or other.repartition_required
        )

    # -- topics ------------------------------------------------------------------------------
    def to(
        self,
        topic: str,
        *,
        key_serde: Any = None,
        value_serde: Any = None,
        partitioner: Callable[[Any, Any, int], int | None] | None = None,
        name: str | None = None,
    ) -> None:
        """Write every record to `topic` (created by you, as in Kafka Streams). `partitioner(key, value, n)`
        may pick the partition; by default the producer's partitioner hashes the key bytes."""
        self._b.sink(
            name or self._b.name("KSTREAM-SINK"),
            self.node,
            TopicRef(topic),
            key_serde or self.key_serde,
            value_serde or self.value_serde,
            partitioner,
        )

    def through(
        self, topic: str, *, key_serde: Any = None, value_serde: Any = None, name: str | None = None
    ) -> KStream:
        """Write to a topic you manage and read it back (a manual repartition)."""
        ks, vs = key_serde or self.key_serde, value_serde or self.value_serde
        self.to(topic, key_serde=ks, value_serde=vs, name=None if name is None else f"{name}-sink")
        source = self._b.source(name or self._b.name("KSTREAM-SOURCE"), [TopicRef(topic)], ks, vs)
        return KStream(self._b, source, ks, vs)

    def repartition(
        self,
        *,
        name: str | None = None,
        partitions: int | None = None,
        key_serde: Any = None,
        value_serde: Any = None,
    ) -> KStream:
        """Through the internal topic `<application.id>-<name>-repartition`, created by the application with
        `partitions` (default: the source's partition count)."""
        ks, vs = key_serde or self.key_serde, value_serde or self.value_serde
        source = self._b.repartition(self.node, name or self._b.name("KSTREAM-REPARTITION"), ks, vs, partitions)
        return KStream(self._b, source, ks, vs)

    def _co_located(self, name: str) -> KStream:
        return self.repartition(name=name) if self.repartition_required else self

    # -- stateful ----------------------------------------------------------------------------
    def group_by_key(self, *, name: str | None = None) -> KGroupedStream:
        from streams.dsl.grouped import KGroupedStream

        return KGroupedStream(self, name, repartition=self.repartition_required)

    def group_by(
        self, selector: Callable[[Any, Any], Any], *, key_serde: Any = None, name: str | None = None
    ) -> KGroupedStream:
        """Group by a new key; the aggregation's input goes through a repartition topic."""
        from streams.dsl.grouped import KGroupedStream

        rekeyed = self.select_key(selector, name=None if name is None else f"{name}-select")
        return KGroupedStream(rekeyed.with_serdes(key_serde=key_serde), name, repartition=True)

    def to_table(self, *, store: str | None = None, in_memory: bool = False, name: str | None = None) -> KTable:
        """The latest value per key of this stream (a None value deletes)."""
        from streams.dsl.table import KTable

        node_name = name or self._b.name("KSTREAM-TOTABLE")
        stream = self._co_located(f"{node_name}")
        store_name = store or f"{node_name}-STATE-STORE"
        self._b.add_store(StoreSpec(store_name, "memory" if in_memory else "rocksdb", self.key_serde, self.value_serde))
        node = self._b.node(node_name, lambda r: TableSource(store_name, False), [stream.node], stores=(store_name,))
        return KTable(self._b, node, self.key_serde, self.value_serde, store_getter(store_name), store_name)

    def join(self, table: KTable | GlobalKTable, joiner: Callable[[Any, Any], Any], **kwargs: Any) -> KStream:
        """Inner join: each record with the table's value for its key (a global table: for
        `key_selector(key, value)`); records without a match are dropped."""
        return self._join(table, joiner, left=False, **kwargs)

    def left_join(self, table: KTable | GlobalKTable, joiner: Callable[[Any, Any], Any], **kwargs: Any) -> KStream:
        """Left join: records without a match are joined with None."""
        return self._join(table, joiner, left=True, **kwargs)

    def _join(
        self,
        table: Any,
        joiner: Callable[[Any, Any], Any],
        *,
        left: bool,
        key_selector: Callable[[Any, Any], Any] | None = None,
        name: str | None = None,
    ) -> KStream:
        from streams.dsl.global_table import GlobalKTable

        node_name = name or self._b.name("KSTREAM-JOIN" if not left else "KSTREAM-LEFTJOIN")
        if isinstance(table, GlobalKTable):
            if key_selector is None:
                raise TopologyError("a join with a global table needs key_selector=(key, value) -> the table's key")
            getter = store_getter(table.store)
            node = self._b.node(
                node_name,
                lambda r: StreamTableJoin(getter, joiner, left, key_selector),
                [self.node],
                stores=(table.store,),
            )
            return KStream(self._b, node, self.key_serde, self.value_serde, self.repartition_required)
        if key_selector is not None:
            raise TopologyError("key_selector is for joins with a global table; re-key the stream with select_key")
        stream = self._co_located(f"{node_name}-left")
        getter = table.getter
        node = self._b.node(
            node_name, lambda r: StreamTableJoin(getter, joiner, left), [stream.node], stores=getter.stores
        )
        return KStream(self._b, node, self.key_serde, self.value_serde)


class BranchedStream:
    """What `KStream.split()` returns: add branches in order, then `default_branch()` or `branches()`."""

    def __init__(self, stream: KStream, name: str) -> None:
        self._stream = stream
        self._name = name
        self._predicates: list[Callable[[Any, Any], bool]] = []
        self._has_default = [False]
        self._out: dict[str, KStream] = {}
        predicates, has_default = self._predicates, self._has_default
        stream._b.node(name, lambda r: sp.Branch(predicates, has_default[0]), [stream.node])

    def _add(self, name: str) -> KStream:
        node = self._stream._b.node(name, lambda r: sp.Source(), [self._name])
        s = self._stream
        branch = KStream(s._b, node, s.key_serde, s.value_serde, s.repartition_required)
        self._out[name] = branch
        return branch

    def branch(self, predicate: Callable[[Any, Any], bool], *, name: str | None = None) -> BranchedStream:
        if self._has_default[0]:
            raise TopologyError("no branch can follow the default branch")
        self._predicates.append(predicate)
        self._add(name or f"{self._name}-{len(self._predicates)}")
        return self

    def default_branch(self, *, name: str | None = None) -> dict[str, KStream]:
        self._has_default[0] = True
        self._add(name or f"{self._name}-0")
        return dict(self._out)

    def branches(self) -> dict[str, KStream]:
        return dict(self._out)
