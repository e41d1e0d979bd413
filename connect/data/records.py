"""Source and sink records: what flows between tasks, transforms and converters.

Records are small slotted objects; values stay plain Python values. Transforms make
changed copies with `replace(...)` rather than mutating a record in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Self

from connect.data.schema import Schema


class Header(NamedTuple):
    """One record header: key, plain value, optional schema."""

    key: str
    value: Any
    schema: Schema | None = None


class RecordPosition(NamedTuple):
    """Where a consumed record sits in Kafka (as read, before a transform renamed its topic): what a sink task
    keeps of a record it no longer holds, enough to report it (the runtime reads it again from Kafka)."""

    topic: str
    kafka_partition: int
    kafka_offset: int

    def __str__(self) -> str:
        return f"{self.topic}-{self.kafka_partition}@{self.kafka_offset}"


_NO_HEADERS: tuple[Header, ...] = ()
_SLOTS: dict[type, tuple[str, ...]] = {}
_COPIERS: dict[type, Any] = {}


def _slots_of(cls: type) -> tuple[str, ...]:
    """Every slot of a record class, computed once per class."""
    slots = tuple(dict.fromkeys(s for c in cls.__mro__ for s in getattr(c, "__slots__", ())))
    _SLOTS[cls] = slots
    return slots


def _make_copier(cls: type) -> Any:
    """Straight-line copy code for one record class: replace() runs per record per transform, so it avoids a
    Python loop over the slots (generated once per class, from the class's own slot names)."""
    slots = _SLOTS.get(cls) or _slots_of(cls)
    lines = ["def copy(self, c):", "    n = new(cls)"]
    lines += [f"    n.{s} = self.{s}" for s in slots]
    lines += [
        "    if c:",
        "        if not known.issuperset(c):",
        "            raise TypeError(f'{cls.__name__} has no attributes {sorted(set(c) - known)}')",
        "        for k, v in c.items():",
        "            setattr(n, k, v)",
        "    return n",
    ]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "known": frozenset(slots)}
    exec("\n".join(lines), namespace)  # code built from the class's slot names only
    copier = namespace["copy"]
    _COPIERS[cls] = copier
    return copier


class ConnectRecord:
    """Fields common to source and sink records."""

    __slots__ = ("headers", "kafka_partition", "key", "key_schema", "timestamp", "topic", "value", "value_schema")

    def __init__(
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None = None,
        headers: tuple[Header, ...] = _NO_HEADERS,
    ) -> None:
        self.topic = topic
        self.kafka_partition = kafka_partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        self.headers = headers

    def replace(self, **changes: Any) -> Self:
        """A copy with the named attributes changed (the record itself is left alone)."""
        cls = type(self)
        copier = _COPIERS.get(cls) or _make_copier(cls)
        return copier(self, changes)

    def header(self, key: str) -> Header | None:
        """The last header with this key, as Kafka Connect's `lastWithName`."""
        for h in reversed(self.headers):
            if h.key == key:
                return h
        return None

    def with_header(self, key: str, value: Any, schema: Schema | None = None) -> Self:
        return self.replace(headers=(*self.headers, Header(key, value, schema)))

    def _fields(self) -> dict[str, Any]:
        return {s: getattr(self, s) for s in _SLOTS.get(type(self)) or _slots_of(type(self))}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._fields().items() if v is not None and v != ())
        return f"{type(self).__name__}({shown})"


class SourceRecord(ConnectRecord):
    """A record produced by a source task, carrying its position in the source system.

    `source_partition` names the stream (e.g. `{"server": "db1"}`) and `source_offset`
    the position after this record (e.g. `{"lsn": 123}`); both are JSON-able dicts.
    """

    __slots__ = ("source_offset", "source_partition")

    def __init__(
        self,
        source_partition: Mapping[str, Any] | None,
        source_offset: Mapping[str, Any] | None,
        topic: str,
        kafka_partition: int | None = None,
        key_schema: Schema | None = None,
        key: Any = None,
        value_schema: Schema | None = None,
        value: Any = None,
        timestamp: int | None = None,
        headers: tuple[Header, ...] = _NO_HEADERS,
    ) -> None:
        # Assigned here rather than through super().__init__: sources build one of these per row.
        self.topic = topic
        self.kafka_partition = kafka_partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
        self.source_partition = source_partition
        self.source_offset = source_offset


class SinkRecord(ConnectRecord):
    """A record consumed from Kafka for a sink task; `kafka_offset` is its offset in the partition.

    `original_topic`, `original_partition` and `original_offset` keep where it was read even
    after a transform renamed the topic, so offsets are committed to the right place.
    """

    __slots__ = (
        "kafka_offset",
        "original_kafka_offset",
        "original_kafka_partition",
        "original_topic",
        "timestamp_type",
    )

    def __init__(
        self,
        topic: str,
        kafka_partition: int,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        kafka_offset: int,
        timestamp: int | None = None,
        headers: tuple[Header, ...] = _NO_HEADERS,
        timestamp_type: str = "CreateTime",
    ) -> None:
        super().__init__(topic, kafka_partition, key_schema, key, value_schema, value, timestamp, headers)
        self.kafka_offset = kafka_offset
        self.timestamp_type = timestamp_type
        self.original_topic = topic
        self.original_kafka_partition = kafka_partition
        self.original_kafka_offset = kafka_offset

    @property
    def position(self) -> RecordPosition:
        """Where this record was read."""
        return RecordPosition(self.original_topic, self.original_kafka_partition, self.original_kafka_offset)
