"""Key joins: stream-table and stream-global-table (inner, left), table-table (inner, left, outer).

A stream record looks up the table's current value for its key (or, for a global table, for the key its
`key_selector` picks). A table-table join runs one processor per side: an update on one side looks up the
other side's value and emits Change(new join result, old join result).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from streams.processors.base import Change, Getter, GetterSpec, Processor, TaskContext

How = Literal["inner", "left", "outer"]


class StreamTableJoin(Processor):
    def __init__(
        self,
        table: GetterSpec,
        joiner: Callable[[Any, Any], Any],
        left: bool,
        key_selector: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        super().__init__()
        self.table = table
        self.joiner = joiner
        self.left = left
        self.key_selector = key_selector

    def init(self, ctx: TaskContext) -> None:
        super().init(ctx)
        self.getter = self.table.build(ctx)

    def process(self, key: Any, value: Any) -> None:
        if value is None:
            return
        lookup = key if self.key_selector is None else self.key_selector(key, value)
        if lookup is None:
            if self.left:
                self.forward(key, self.joiner(value, None))
            return
        other = self.getter.get(lookup)
        if other is None and not self.left:
            return
        self.forward(key, self.joiner(value, other))


def join_values(how: How, joiner: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """The join result of one key given both sides' values (None = no row)."""
    if left is None:
        if how == "outer" and right is not None:
            return joiner(None, right)
        return None
    if right is None and how == "inner":
        return None
    return joiner(left, right)


class TableTableJoin(Processor):
    """One side of a table-table join; `this_is_left` tells which argument of the joiner it is."""

    def __init__(self, other: GetterSpec, how: How, joiner: Callable[[Any, Any], Any], this_is_left: bool) -> None:
        super().__init__()
        self.other = other
        self.how = how
        self.joiner = joiner
        self.this_is_left = this_is_left

    def init(self, ctx: TaskContext) -> None:
        super().init(ctx)
        self.getter = self.other.build(ctx)

    def process(self, key: Any, change: Change) -> None:
        other = self.getter.get(key)
        if self.this_is_left:
            new = join_values(self.how, self.joiner, change.new, other)
            old = join_values(self.how, self.joiner, change.old, other)
        else:
            new = join_values(self.how, self.joiner, other, change.new)
            old = join_values(self.how, self.joiner, other, change.old)
        if new is None and old is None:
            return
        self.forward(key, Change(new, old))


def join_getter(left: GetterSpec, right: GetterSpec, how: How, joiner: Callable[[Any, Any], Any]) -> GetterSpec:
    def build(ctx: TaskContext) -> Getter:
        return _JoinGetter(left.build(ctx), right.build(ctx), how, joiner)

    return GetterSpec(left.stores + right.stores, build)


class _JoinGetter:
    def __init__(self, left: Getter, right: Getter, how: How, joiner: Callable[[Any, Any], Any]) -> None:
        self.left, self.right, self.how, self.joiner = left, right, how, joiner

    def get(self, key: Any) -> Any:
        return join_values(self.how, self.joiner, self.left.get(key), self.right.get(key))
