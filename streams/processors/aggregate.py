"""Aggregations: count, reduce and aggregate over grouped streams and grouped tables, and the table
group_by step that re-keys a table update into a retraction and an addition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.processors.base import Change, Processor, StoreProcessor, TaskContext
from streams.processors.base import _new_change as _change


class StreamCount(StoreProcessor):
    def init(self, ctx: TaskContext) -> None:
        super().init(ctx)
        self.get, self.put = self.store.get_raw, self.store.put_raw

    def process(self, key: Any, value: Any) -> None:
        if key is None or value is None:
            return
        kb = self.kser(key)
        old = self.get(kb)
        new = 1 if old is None else old + 1
        self.put(kb, new)
        self.forward(key, _change((new, old)))


class StreamAggregate(StoreProcessor):
    """aggregate(initializer, aggregator(key, value, agg)); reduce is the case where the first value is the
    initial aggregate."""

    def __init__(
        self,
        store: str,
        aggregator: Callable[[Any, Any, Any], Any],
        initializer: Callable[[], Any] | None,
    ) -> None:
        super().__init__(store)
        self.aggregator = aggregator
        self.initializer = initializer

    def process(self, key: Any, value: Any) -> None:
        if key is None or value is None:
            return
        kb = self.kser(key)
        store = self.store
        old = store.get_raw(kb)
        if old is None:
            new = value if self.initializer is None else self.aggregator(key, value, self.initializer())
        else:
            new = self.aggregator(key, value, old)
        store.put_raw(kb, new)
        self.forward(key, Change(new, old))


class TableAggregate(StoreProcessor):
    """Aggregates table updates: subtracts what the old value contributed, adds the new one."""

    def __init__(
        self,
        store: str,
        adder: Callable[[Any, Any, Any], Any],
        subtractor: Callable[[Any, Any, Any], Any],
        initializer: Callable[[], Any] | None,
    ) -> None:
        super().__init__(store)
        self.adder, self.subtractor, self.initializer = adder, subtractor, initializer

    def process(self, key: Any, change: Change) -> None:
        if key is None:
            return
        kb = self.kser(key)
        store = self.store
        old = store.get_raw(kb)
        agg = old
        if change.old is not None and agg is not None:
            agg = self.subtractor(key, change.old, agg)
        if change.new is not None:
            if agg is None:
                agg = change.new if self.initializer is None else self.adder(key, change.new, self.initializer())
            else:
                agg = self.adder(key, change.new, agg)
        store.put_raw(kb, agg)
        self.forward(key, Change(agg, old))


class TableGroupBy(Processor):
    """Re-keys a table update: the old value is retracted under its old group, the new one added under its
    new group (both through the repartition topic, so each lands on its group's task)."""

    def __init__(self, selector: Callable[[Any, Any], tuple[Any, Any]]) -> None:
        super().__init__()
        self.selector = selector

    def process(self, key: Any, change: Change) -> None:
        if change.old is not None:
            old_key, old_value = self.selector(key, change.old)
            self.forward(old_key, Change(None, old_value))
        if change.new is not None:
            new_key, new_value = self.selector(key, change.new)
            self.forward(new_key, Change(new_value, None))
