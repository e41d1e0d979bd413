"""KTable: the latest value per key, and its operators (filter, map_values, joins, group_by, to_stream).

    builder = StreamsBuilder()
    orders = builder.cdc_table("shop.public.orders")
    customers = builder.cdc_table("shop.public.customers")
    with_customer = orders.join(
        customers,
        lambda order, customer: {**order, "customer": customer},
        foreign_key=lambda order: {"id": order["customer_id"]},   # customers' key, as the topic has it
        name="order-customer",
    )
    with_customer.to_stream().to("orders-enriched")

Joins by key (inner, left, outer) need both tables co-partitioned; a foreign-key join (`foreign_key=`) does
not, and is right whichever side changes. A table that is not materialized (filter, map_values without
`store=`) is read through its parent's store when joined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from streams.errors import TopologyError
from streams.processors import fk_join as fk
from streams.processors import tables as tp
from streams.processors.base import GetterSpec, Processor, store_getter
from streams.processors.joins import How, TableTableJoin, join_getter
from streams.serdes import BYTES
from streams.state.spec import StoreSpec
from streams.topology.graph import InternalTopic, TopicRef

if TYPE_CHECKING:
    from streams.dsl.builder import StreamsBuilder
    from streams.dsl.grouped import KGroupedTable
    from streams.dsl.stream import KStream


class KTable:
    def __init__(
        self,
        builder: StreamsBuilder,
        node: str,
        key_serde: Any,
        value_serde: Any,
        getter: GetterSpec,
        store: str | None = None,
    ) -> None:
        self._b = builder
        self.node = node
        self.key_serde = key_serde
        self.value_serde = value_serde
        self.getter = getter
        self.store = store

    def _derive(
        self,
        prefix: str,
        factory: Callable[[], Processor],
        getter: GetterSpec,
        name: str | None,
        store: str | None,
        in_memory: bool,
    ) -> KTable:
        node = self._b.node(name or self._b.name(prefix), lambda r: factory(), [self.node])
        if store is None:
            return KTable(self._b, node, self.key_serde, self.value_serde, getter)
        return KTable(self._b, node, self.key_serde, self.value_serde, getter)._materialize(store, in_memory)

    def _materialize(self, store: str, in_memory: bool) -> KTable:
        self._b.add_store(StoreSpec(store, "memory" if in_memory else "rocksdb", self.key_serde, self.value_serde))
        node = self._b.node(f"{store}-materialize", lambda r: tp.TableMaterialize(store), [self.node], stores=(store,))
        return KTable(self._b, node, self.key_serde, self.value_serde, store_getter(store), store)

    def filter(self, predicate: Callable[[Any, Any], bool], **options: Any) -> KTable:
        """Rows for which predicate(key, value) holds (others read as absent). Options: name, store, in_memory."""
        return self._filter(predicate, True, **options)

    def filter_not(self, predicate: Callable[[Any, Any], bool], **options: Any) -> KTable:
        return self._filter(predicate, False, **options)

    def _filter(
        self,
        predicate: Callable[[Any, Any], bool],
        keep_when: bool,
        *,
        name: str | None = None,
        store: str | None = None,
        in_memory: bool = False,
    ) -> KTable:
        getter = tp.filter_getter(self.getter, predicate, keep_when)
        factory = lambda: tp.TableFilter(predicate, keep_when)  # noqa: E731
        return self._derive("KTABLE-FILTER", factory, getter, name, store, in_memory)

    def map_values(
        self,
        mapper: Callable[[Any], Any],
        *,
        name: str | None = None,
        store: str | None = None,
        in_memory: bool = False,
    ) -> KTable:
        getter = tp.map_values_getter(self.getter, mapper)
        return self._derive("KTABLE-MAPVALUES", lambda: tp.TableMapValues(mapper), getter, name, store, in_memory)

    def to_stream(self, *, name: str | None = None) -> KStream:
        from streams.dsl.stream import KStream

        node = self._b.node(name or self._b.name("KTABLE-TOSTREAM"), lambda r: tp.TableToStream(), [self.node])
        return KStream(self._b, node, self.key_serde, self.value_serde)

    def group_by(
        self,
        selector: Callable[[Any, Any], tuple[Any, Any]],
        *,
        key_serde: Any = None,
        value_serde: Any = None,
        name: str | None = None,
    ) -> KGroupedTable:
        """Re-key each row as `selector(key, value) -> (new key, new value)`; aggregate with adder and
        subtractor (an update retracts the old row from its old group)."""
        from streams.dsl.grouped import KGroupedTable

        return KGroupedTable(self, selector, key_serde or self.key_serde, value_serde or self.value_serde, name)

    # -- joins -------------------------------------------------------------------------------
    def join(self, other: KTable, joiner: Callable[[Any, Any], Any], **kwargs: Any) -> KTable:
        return self._join(other, joiner, "inner", **kwargs)

    def left_join(self, other: KTable, joiner: Callable[[Any, Any], Any], **kwargs: Any) -> KTable:
        return self._join(other, joiner, "left", **kwargs)

    def outer_join(self, other: KTable, joiner: Callable[[Any, Any], Any], **kwargs: Any) -> KTable:
        return self._join(other, joiner, "outer", **kwargs)

    def _join(
        self,
        other: KTable,
        joiner: Callable[[Any, Any], Any],
        how: How,
        *,
        foreign_key: Callable[[Any], Any] | None = None,
        name: str | None = None,
        store: str | None = None,
        in_memory: bool = False,
        value_serde: Any = None,
    ) -> KTable:
        if foreign_key is not None:
            if how == "outer":
                raise TopologyError("a foreign-key join is inner or left; there is no outer foreign-key join")
            return self._fk_join(other, joiner, how == "left", foreign_key, name, store, in_memory, value_serde)
        b = self._b
        name = name or b.name("KTABLE-JOIN" if how == "inner" else f"KTABLE-{how.upper()}JOIN")
        left_node = b.node(
            f"{name}-this",
            lambda r: TableTableJoin(other.getter, how, joiner, True),
            [self.node],
            stores=self.getter.stores + other.getter.stores,
        )
        right_node = b.node(
            f"{name}-other",
            lambda r: TableTableJoin(self.getter, how, joiner, False),
            [other.node],
            stores=self.getter.stores + other.getter.stores,
        )
        merged = b.node(name, lambda r: Processor(), [left_node, right_node])
        vs = value_serde or self.value_serde
        result = KTable(b, merged, self.key_serde, vs, join_getter(self.getter, other.getter, how, joiner))
        return result._materialize(store, in_memory) if store is not None else result

    def _fk_join(
        self,
        other: KTable,
        joiner: Callable[[Any, Any], Any],
        left_join: bool,
        foreign_key: Callable[[Any], Any],
        name: str | None,
        store: str | None,
        in_memory: bool,
        value_serde: Any,
    ) -> KTable:
        b = self._b
        name = name or b.name("KTABLE-FK-JOIN")
        sub_ref = TopicRef(f"{name}-subscription-registration-topic", internal=True)
        resp_ref = TopicRef(f"{name}-subscription-response-topic", internal=True)
        b.topology.add_internal_topic(InternalTopic(sub_ref))
        b.topology.add_internal_topic(InternalTopic(resp_ref))
        sub_store = f"{name}-subscription-store"
        b.add_store(StoreSpec(sub_store, "memory" if in_memory else "rocksdb", BYTES, BYTES))
        ls, lk, lv, rk, rv = self.getter, self.key_serde, self.value_serde, other.key_serde, other.value_serde

        b.node(
            f"{name}-subscription-registration-send",
            lambda r: fk.SubscriptionSender(
                foreign_key=foreign_key,
                subscription_topic=r(sub_ref),
                response_topic=r(resp_ref),
                left_key_serde=lk,
                left_value_serde=lv,
                right_key_serde=rk,
                left_join=left_join,
            ),
            [self.node],
            writes=(sub_ref, resp_ref),
        )
        sub_source = b.source(f"{name}-subscription-registration-source", [sub_ref], BYTES, BYTES)
        b.node(
            f"{name}-subscription-receive",
            lambda r: fk.SubscriptionReceiver(
                store=sub_store,
                right=other.getter,
                right_key_serde=rk,
                right_value_serde=rv,
                response_topic=r(resp_ref),
            ),
            [sub_source],
            stores=(sub_store, *other.getter.stores),
            writes=(resp_ref,),
        )
        b.node(
            f"{name}-subscription-join-foreign",
            lambda r: fk.ForeignChangeForwarder(
                store=sub_store, right_key_serde=rk, right_value_serde=rv, response_topic=r(resp_ref)
            ),
            [other.node],
            stores=(sub_store,),
            writes=(resp_ref,),
        )
        resp_source = b.source(f"{name}-subscription-response-source", [resp_ref], BYTES, BYTES)
        resolver = b.node(
            f"{name}-subscription-response-resolver",
            lambda r: fk.ResponseResolver(
                left=ls,
                left_key_serde=lk,
                left_value_serde=lv,
                right_value_serde=rv,
                joiner=joiner,
                left_join=left_join,
            ),
            [resp_source],
            stores=ls.stores,
        )
        result = KTable(b, resolver, lk, value_serde or lv, GetterSpec((), _no_getter))
        return result._materialize(store or f"{name}-STATE-STORE", in_memory)


def _no_getter(ctx: Any) -> Any:
    raise AssertionError("a foreign-key join result is always materialized")
