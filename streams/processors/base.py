"""The processor contract: `init(ctx)` once per task, `process(key, value)` per record, `forward` to children.

Stream processors receive plain values; table processors receive a `Change` (new, old) so that downstream
steps (aggregations over tables, foreign-key joins) can retract what the old value contributed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from streams.state.store import KeyValueStore


class Change(NamedTuple):
    """A table update: the key's new value and the value it replaces (None = absent)."""

    new: Any
    old: Any


class RecordContext:
    """Metadata of the record being processed; one instance per task. The task only points it at the
    current message; topic, offset, timestamp and headers are read from it when asked for."""

    __slots__ = ("message", "partition")

    def __init__(self, partition: int = -1) -> None:
        self.message: Any = None
        self.partition = partition

    @property
    def topic(self) -> str:
        return "" if self.message is None else self.message.topic()

    @property
    def offset(self) -> int:
        return -1 if self.message is None else self.message.offset()

    @property
    def timestamp(self) -> int:
        return 0 if self.message is None else self.message.timestamp()[1]

    @property
    def headers(self) -> list[tuple[str, bytes]] | None:
        return None if self.message is None else self.message.headers()


_new_change = partial(tuple.__new__, Change)  # Change((new, old)) without a Python-level call: hot paths


class TaskContext(Protocol):
    """What a processor may use from its task."""

    application_id: str
    partition: int
    record: RecordContext
    produce: Callable[..., None]  # (topic, key bytes, value bytes, partition | None, timestamp): the fast path

    def store(self, name: str) -> KeyValueStore: ...

    def send(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None) -> None: ...

    def partitions(self, topic: str) -> int: ...


class Processor:
    """Base class; subclasses override `process` and call `self.forward(key, value)`."""

    def __init__(self) -> None:
        self.children: list[Processor] = []
        self.forward: Callable[[Any, Any], None] = _drop

    def init(self, ctx: TaskContext) -> None:
        self.ctx = ctx

    def link(self) -> None:
        """Called once children are attached: forwarding to one child is a direct call."""
        children = self.children
        if not children:
            self.forward = _drop
        elif len(children) == 1:
            self.forward = children[0].process
        else:
            calls = [c.process for c in children]

            def forward(key: Any, value: Any) -> None:
                for call in calls:
                    call(key, value)

            self.forward = forward

    def process(self, key: Any, value: Any) -> None:
        self.forward(key, value)

    def close(self) -> None:
        pass


class StoreProcessor(Processor):
    """A processor that owns one store; keys are serialized once per record with the store's key serde."""

    def __init__(self, store: str) -> None:
        super().__init__()
        self.store_name = store

    def init(self, ctx: TaskContext) -> None:
        super().init(ctx)
        self.store = ctx.store(self.store_name)
        self.kser = self.store.spec.key_serde.serialize


def _drop(key: Any, value: Any) -> None:
    pass


class Getter(Protocol):
    def get(self, key: Any) -> Any: ...


@dataclass(frozen=True)
class GetterSpec:
    """How to read a table's current value for a key inside a task: `build(ctx)` returns the getter;
    `stores` names the stores it reads (they put the reader in the table's sub-topology)."""

    stores: tuple[str, ...]
    build: Callable[[TaskContext], Getter]


def store_getter(store: str) -> GetterSpec:
    return GetterSpec((store,), lambda ctx: ctx.store(store))
