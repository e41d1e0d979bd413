"""Table processors: materialize a topic or a derived table, filter, map_values, to_stream; and the value
getters that let joins read a table that is not materialized (filtered or mapped views of one that is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.processors.base import Change, Getter, GetterSpec, Processor, StoreProcessor, TaskContext
from streams.processors.cdc import SKIP, cdc_row


class TableSource(StoreProcessor):
    """Latest value per key of a topic, kept in `store`; forwards Change(new, old). With `cdc`, values are
    Debezium change events and the row they leave behind is stored."""

    def __init__(self, store: str, cdc: bool) -> None:
        super().__init__(store)
        self.cdc = cdc

    def process(self, key: Any, value: Any) -> None:
        if key is None:
            return
        if self.cdc:
            value = cdc_row(value)
            if value is SKIP:
                return
        store = self.store
        kb = self.kser(key)
        old = store.get_raw(kb)
        if value is None and old is None:
            return
        store.put_raw(kb, value)
        self.forward(key, Change(value, old))


class TableMaterialize(StoreProcessor):
    """Keeps a derived table in a store (named tables, foreign-key join results); forwards Change(new, old)
    with the old value read from the store."""

    def process(self, key: Any, change: Change) -> None:
        old = self.store.get(key)
        if change.new is None and old is None:
            return
        self.store.put(key, change.new)
        self.forward(key, Change(change.new, old))


class TableFilter(Processor):
    def __init__(self, predicate: Callable[[Any, Any], bool], keep_when: bool = True) -> None:
        super().__init__()
        self.predicate = predicate
        self.keep_when = keep_when

    def _keep(self, key: Any, value: Any) -> Any:
        if value is None or bool(self.predicate(key, value)) is not self.keep_when:
            return None
        return value

    def process(self, key: Any, change: Change) -> None:
        new, old = self._keep(key, change.new), self._keep(key, change.old)
        if new is None and old is None:
            return
        self.forward(key, Change(new, old))


class TableMapValues(Processor):
    def __init__(self, mapper: Callable[[Any], Any]) -> None:
        super().__init__()
        self.mapper = mapper

    def process(self, key: Any, change: Change) -> None:
        mapper = self.mapper
        new = None if change.new is None else mapper(change.new)
        old = None if change.old is None else mapper(change.old)
        self.forward(key, Change(new, old))


class TableToStream(Processor):
    """Each update as a stream record; a deletion is a record with a None value (a tombstone)."""

    def process(self, key: Any, change: Change) -> None:
        self.forward(key, change.new)


def filter_getter(parent: GetterSpec, predicate: Callable[[Any, Any], bool], keep_when: bool) -> GetterSpec:
    def build(ctx: TaskContext) -> Getter:
        return _FilterGetter(parent.build(ctx), predicate, keep_when)

    return GetterSpec(parent.stores, build)


def map_values_getter(parent: GetterSpec, mapper: Callable[[Any], Any]) -> GetterSpec:
    def build(ctx: TaskContext) -> Getter:
        return _MapGetter(parent.build(ctx), mapper)

    return GetterSpec(parent.stores, build)


class _FilterGetter:
    def __init__(self, parent: Getter, predicate: Callable[[Any, Any], bool], keep_when: bool) -> None:
        self.parent, self.predicate, self.keep_when = parent, predicate, keep_when

    def get(self, key: Any) -> Any:
        value = self.parent.get(key)
        if value is None or bool(self.predicate(key, value)) is not self.keep_when:
            return None
        return value


class _MapGetter:
    def __init__(self, parent: Getter, mapper: Callable[[Any], Any]) -> None:
        self.parent, self.mapper = parent, mapper

    def get(self, key: Any) -> Any:
        value = self.parent.get(key)
        return None if value is None else self.mapper(value)
