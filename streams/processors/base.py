"""The processor contract: `init(ctx)` once per task, `process(key, value)` per record, `forward` to children.

Stream processors receive plain values; table processors receive a `Change` (new, old) so that downstream
steps (aggregations over tables, foreign-key joins) can retract what the old value contributed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from streams.state.store import KeyValueStore


class Change(NamedTuple):
    """A table update: the key's new value and the value it replaces (None = absent)."""

    new: Any
    old: Any


class RecordContext:
    """Metadata of the record being processed; one mutable instance per task, set before each record."""

    __slots__ = ("headers", "offset", "partition", "timestamp", "topic")

    def __init__(self) -> None:
        self.topic = ""
        self.partition = -1
        self.offset = -1
        self.timestamp = 0
        self.headers: list[tuple[str, bytes]] | None = None


class TaskContext(Protocol):
    """What a processor may use from its task."""

    application_id: str
    partition: int
    record: RecordContext

    def store(self, name: str) -> KeyValueStore: ...

    def send(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None) -> None: ...


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
