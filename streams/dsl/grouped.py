"""Grouped streams and tables: count, reduce and aggregate into a KTable backed by a store.

counts = builder.stream("clicks").group_by(lambda k, v: v["page"]).count(store="clicks-per-page")
totals = builder.cdc_table("shop.public.orders").group_by(
    lambda k, order: (order["customer_id"], order["total"])
).aggregate(lambda: 0, lambda k, v, agg: agg + v, lambda k, v, agg: agg - v, store="total-per-customer")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from streams.processors import aggregate as ap
from streams.processors.base import store_getter
from streams.serdes import ChangeSerde
from streams.state.spec import StoreSpec

if TYPE_CHECKING:
    from streams.dsl.builder import StreamsBuilder
    from streams.dsl.stream import KStream
    from streams.dsl.table import KTable


class KGroupedStream:
    def __init__(self, stream: KStream, name: str | None, *, repartition: bool) -> None:
        self._stream = stream
        self._name = name
        self._repartition = repartition

    def count(self, *, store: str | None = None, name: str | None = None, in_memory: bool = False) -> KTable:
        return self._aggregate("KSTREAM-AGGREGATE", lambda s: ap.StreamCount(s), store, name, in_memory, None)

    def reduce(
        self,
        reducer: Callable[[Any, Any], Any],
        *,
        store: str | None = None,
        name: str | None = None,
        in_memory: bool = False,
    ) -> KTable:
        """reducer(aggregate, value) -> new aggregate; the first value of a key is its aggregate."""
        return self._aggregate(
            "KSTREAM-REDUCE",
            lambda s: ap.StreamAggregate(s, lambda k, v, agg: reducer(agg, v), None),
            store,
            name,
            in_memory,
            self._stream.value_serde,
        )

    def aggregate(
        self,
        initializer: Callable[[], Any],
        aggregator: Callable[[Any, Any, Any], Any],
        *,
        value_serde: Any = None,
        store: str | None = None,
        name: str | None = None,
        in_memory: bool = False,
    ) -> KTable:
        """aggregator(key, value, aggregate) -> new aggregate, starting from initializer()."""
        return self._aggregate(
            "KSTREAM-AGGREGATE",
            lambda s: ap.StreamAggregate(s, aggregator, initializer),
            store,
            name,
            in_memory,
            value_serde,
        )

    def _aggregate(
        self, prefix: str, factory: Callable[[str], Any], store: str | None, name: str | None, in_memory: bool, vs: Any
    ) -> KTable:
        s = self._stream
        node_name = name or self._name or s._b.name(prefix)
        store_name = store or f"{node_name}-STATE-STORE"
        parent = s.node
        if self._repartition:
            parent = s._b.repartition(parent, store_name, s.key_serde, s.value_serde)
        return _aggregated(s._b, parent, node_name, store_name, factory, s.key_serde, vs, in_memory)


class KGroupedTable:
    def __init__(
        self,
        table: KTable,
        selector: Callable[[Any, Any], tuple[Any, Any]],
        key_serde: Any,
        value_serde: Any,
        name: str | None,
    ) -> None:
        self._table = table
        self._selector = selector
        self._key_serde = key_serde
        self._value_serde = value_serde
        self._name = name

    def count(self, *, store: str | None = None, name: str | None = None, in_memory: bool = False) -> KTable:
        return self._aggregate(
            lambda s: ap.TableAggregate(s, lambda k, v, a: a + 1, lambda k, v, a: a - 1, lambda: 0),
            store,
            name,
            in_memory,
            None,
        )

    def reduce(
        self,
        adder: Callable[[Any, Any], Any],
        subtractor: Callable[[Any, Any], Any],
        *,
        store: str | None = None,
        name: str | None = None,
        in_memory: bool = False,
    ) -> KTable:
        return self._aggregate(
            lambda s: ap.TableAggregate(s, lambda k, v, a: adder(a, v), lambda k, v, a: subtractor(a, v), None),
            store,
            name,
            in_memory,
            self._value_serde,
        )

    def aggregate(
        self,
        initializer: Callable[[], Any],
        adder: Callable[[Any, Any, Any], Any],
        subtractor: Callable[[Any, Any, Any], Any],
        *,
        value_serde: Any = None,
        store: str | None = None,
        name: str | None = None,
        in_memory: bool = False,
    ) -> KTable:
        return self._aggregate(
            lambda s: ap.TableAggregate(s, adder, subtractor, initializer), store, name, in_memory, value_serde
        )

    def _aggregate(
        self, factory: Callable[[str], Any], store: str | None, name: str | None, in_memory: bool, vs: Any
    ) -> KTable:
        t = self._table
        node_name = name or self._name or t._b.name("KTABLE-AGGREGATE")
        store_name = store or f"{node_name}-STATE-STORE"
        selector = self._selector
        select = t._b.node(f"{node_name}-select", lambda r: ap.TableGroupBy(selector), [t.node])
        source = t._b.repartition(select, store_name, self._key_serde, ChangeSerde(self._value_serde))
        return _aggregated(t._b, source, node_name, store_name, factory, self._key_serde, vs, in_memory)


def _aggregated(
    b: StreamsBuilder,
    parent: str,
    node_name: str,
    store_name: str,
    factory: Callable[[str], Any],
    key_serde: Any,
    value_serde: Any,
    in_memory: bool,
) -> KTable:
    """The aggregation node and its store, as a table."""
    from streams.dsl.table import KTable
    from streams.serdes import JSON

    value_serde = value_serde or JSON
    b.add_store(StoreSpec(store_name, "memory" if in_memory else "rocksdb", key_serde, value_serde))
    node = b.node(node_name, lambda r: factory(store_name), [parent], stores=(store_name,))
    return KTable(b, node, key_serde, value_serde, store_getter(store_name), store_name)
