"""Small plugins for runtime tests: a counting source, collecting and holding sinks, a transform, a converter."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from typing import Any, ClassVar

import orjson

from connect.config import NO_DEFAULT, ConfigDef, Importance, Range, Type
from connect.data import ConnectRecord, Schema, SchemaAndValue, SinkRecord, SourceRecord
from connect.errors import DataException
from connect.plugins import PluginKind, PluginRegistry
from connect.spi import (
    Converter,
    HeaderConverter,
    Predicate,
    SinkConnector,
    SinkTask,
    SourceConnector,
    SourceTask,
    TopicPartition,
    Transformation,
)


class CountingSourceTask(SourceTask):
    """Emits {"seq": n} records to `topic`, `batch` per poll, up to `count`; resumes from its offset."""

    def start(self, props: Mapping[str, Any]) -> None:
        self.topic = props["topic"]
        self.count = int(props.get("count", 100))
        self.batch = int(props.get("batch", 10))
        self.partition = {"task": props.get("task.id", "0")}
        assert self.context is not None
        stored = self.context.offset_reader.offset(self.partition)
        self.next = stored["seq"] + 1 if stored else 0

    def poll(self) -> list[SourceRecord] | None:
        if self.next >= self.count:
            threading.Event().wait(0.05)
            return None
        end = min(self.count, self.next + self.batch)
        out = [
            SourceRecord(
                self.partition, {"seq": n}, self.topic, None, None, f"k{n % 7}", None, {"seq": n, "poison": n in POISON}
            )
            for n in range(self.next, end)
        ]
        self.next = end
        return out

    def stop(self) -> None:
        pass


POISON: set[int] = set()


class CountingSource(SourceConnector):
    config_def: ClassVar[ConfigDef] = (
        ConfigDef()
        .define("topic", Type.STRING, NO_DEFAULT, Importance.HIGH, "Target topic.")
        .define("count", Type.INT, 100, Importance.LOW, "Records to emit.", validator=Range.at_least(0))
    )
    task_class = CountingSourceTask

    def start(self, props: Mapping[str, Any]) -> None:
        self.props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [{**self.props, "task.id": str(i)} for i in range(max_tasks)]


class CarelessSourceTask(SourceTask):
    """Fails at start with a message quoting its connection URL and password, as a careless plugin might."""

    def start(self, props: Mapping[str, Any]) -> None:
        raise ConnectionError(f"cannot log in to {props['connection.url']} as app with {props['connection.password']}")

    def poll(self) -> list[SourceRecord] | None:
        return None

    def stop(self) -> None:
        pass


class CarelessSource(SourceConnector):
    config_def: ClassVar[ConfigDef] = (
        ConfigDef()
        .define("connection.url", Type.STRING, NO_DEFAULT, Importance.HIGH, "Where to connect.")
        .define("connection.password", Type.PASSWORD, NO_DEFAULT, Importance.HIGH, "Its password.")
    )
    task_class = CarelessSourceTask

    def start(self, props: Mapping[str, Any]) -> None:
        self.props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self.props)]


SINK_RECEIVED: dict[str, list[SinkRecord]] = {}
REWOUND_AFTER: dict[str, int] = {}  # connector -> offset of the last record of the batch that asked for a rewind


class CollectingSinkTask(SinkTask):
    """Appends every record to SINK_RECEIVED[<connector name>]; fails on values with "fail": true."""

    def start(self, props: Mapping[str, Any]) -> None:
        self.name = props["name"]
        SINK_RECEIVED.setdefault(self.name, [])

    def put(self, records: list[SinkRecord]) -> None:
        for r in records:
            if isinstance(r.value, dict) and r.value.get("fail"):
                raise DataException(f"rejected record at offset {r.kafka_offset}")
        SINK_RECEIVED[self.name].extend(records)

    def stop(self) -> None:
        pass


class CollectingSink(SinkConnector):
    config_def: ClassVar[ConfigDef] = ConfigDef()
    task_class = CollectingSinkTask

    def start(self, props: Mapping[str, Any]) -> None:
        self.props = dict(props)

    def task_configs(self, max_tasks: int) -> list[dict[str, Any]]:
        return [dict(self.props)]


class RewindingSinkTask(SinkTask):
    """Keeps every record's offset, in delivery order, in SINK_RECEIVED; asks for one rewind.

    `open.offset`: where each assigned partition starts (a skip asked for in open()); `rewind.at` and
    `rewind.to`: the first time a record at or past `rewind.at` is put, ask for the partition to go on
    from `rewind.to`.
    """

    def start(self, props: Mapping[str, Any]) -> None:
        self.name = props["name"]
        self.open_offset = int(props.get("open.offset", -1))
        self.rewind_at = int(props.get("rewind.at", -1))
        self.rewind_to = int(props.get("rewind.to", 0))
        SINK_RECEIVED.setdefault(self.name, [])

    def open(self, partitions: Collection[TopicPartition]) -> None:
        if self.open_offset >= 0 and partitions:
            assert self.context is not None
            self.context.offset(dict.fromkeys(partitions, self.open_offset))

    def put(self, records: list[SinkRecord]) -> None:
        SINK_RECEIVED[self.name].extend(records)
        for r in records:
            if 0 <= self.rewind_at <= r.kafka_offset:
                assert self.context is not None
                self.context.offset({TopicPartition(r.topic, r.kafka_partition): self.rewind_to})
                self.rewind_at = -1
                REWOUND_AFTER[self.name] = records[-1].kafka_offset
                return

    def stop(self) -> None:
        pass


HELD: dict[str, list[SinkRecord]] = {}


class HoldingSinkTask(SinkTask):
    """A sink whose target never acknowledges: it holds every record in HELD[<connector name>], vouches for no
    offset past the first record it holds, and drops what it holds of partitions closed (as a buffering sink)."""

    def start(self, props: Mapping[str, Any]) -> None:
        self.name = props["name"]
        HELD.setdefault(self.name, [])

    def put(self, records: list[SinkRecord]) -> None:
        HELD[self.name].extend(records)

    def pre_commit(self, offsets: Mapping[TopicPartition, int]) -> Mapping[TopicPartition, int]:
        first: dict[TopicPartition, int] = {}
        for r in HELD[self.name]:
            first.setdefault(TopicPartition(r.topic, r.kafka_partition), r.kafka_offset)
        return {tp: first.get(tp, offset) for tp, offset in offsets.items()}

    def close(self, partitions: Collection[TopicPartition]) -> None:
        gone = set(partitions)
        HELD[self.name] = [r for r in HELD[self.name] if TopicPartition(r.topic, r.kafka_partition) not in gone]

    def stop(self) -> None:
        pass


class RewindingSink(CollectingSink):
    task_class = RewindingSinkTask


class HoldingSink(CollectingSink):
    task_class = HoldingSinkTask


class Poison(Transformation):
    """Raises DataException on records whose value has poison=true."""

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        if isinstance(record.value, dict) and record.value.get("poison"):
            raise DataException("poisoned record")
        return record


class AddField(Transformation):
    config_def: ClassVar[ConfigDef] = (
        ConfigDef()
        .define("field", Type.STRING, NO_DEFAULT, Importance.HIGH, "Field name.")
        .define("value", Type.STRING, "x", Importance.LOW, "Field value.")
    )

    def configure(self, props: Mapping[str, Any]) -> None:
        parsed = self.config_def.parse(props)
        self.field, self.value = parsed["field"], parsed["value"]

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        return record.replace(value={**record.value, self.field: self.value})


class TopicIs(Predicate):
    config_def: ClassVar[ConfigDef] = ConfigDef().define("topic", Type.STRING, NO_DEFAULT, Importance.HIGH, "Topic.")

    def configure(self, props: Mapping[str, Any]) -> None:
        self.topic = self.config_def.parse(props)["topic"]

    def test(self, record: ConnectRecord) -> bool:
        return record.topic == self.topic


class PlainJson(Converter):
    """Schemaless JSON; bytes that are not JSON raise DataException."""

    def from_connect(self, topic: str, schema: Schema | None, value: Any) -> bytes | None:
        return None if value is None else orjson.dumps(value)

    def to_connect(self, topic: str, data: bytes | None) -> SchemaAndValue:
        if data is None:
            return SchemaAndValue(None, None)
        try:
            return SchemaAndValue(None, orjson.loads(data))
        except orjson.JSONDecodeError as exc:
            raise DataException(f"not JSON: {exc}") from None


class Utf8Headers(HeaderConverter):
    def from_connect_header(self, topic: str, key: str, schema: Schema | None, value: Any) -> bytes | None:
        return None if value is None else str(value).encode()

    def to_connect_header(self, topic: str, key: str, data: bytes | None) -> SchemaAndValue:
        return SchemaAndValue(None, None if data is None else data.decode())


LIVE: set[object] = set()  # tracked plugins configured and not closed yet
CLOSED_TWICE: list[str] = []


class Tracked:
    """Counts itself live from configure() to close(), as a plugin holding a client would need closing."""

    def _opened(self) -> None:
        LIVE.add(self)

    def close(self) -> None:
        if self not in LIVE:
            CLOSED_TWICE.append(type(self).__name__)
        LIVE.discard(self)


class TrackedJson(Tracked, PlainJson):
    def configure(self, props: Mapping[str, Any], is_key: bool = False) -> None:  # type: ignore[override]
        super().configure(props, is_key)
        self._opened()


class TrackedHeaders(Tracked, Utf8Headers):
    def configure(self, props: Mapping[str, Any]) -> None:
        super().configure(props)
        self._opened()


class TrackedField(Tracked, AddField):
    def configure(self, props: Mapping[str, Any]) -> None:
        super().configure(props)
        self._opened()


class TrackedTopicIs(Tracked, TopicIs):
    def configure(self, props: Mapping[str, Any]) -> None:
        super().configure(props)
        self._opened()


class BrokenTransform(Transformation):
    """Fails to configure (a client it could not open), after the plugins before it were configured."""

    def configure(self, props: Mapping[str, Any]) -> None:
        raise ConnectionError("cannot reach the lookup service")

    def apply(self, record: ConnectRecord) -> ConnectRecord | None:
        return record


def fake_registry() -> PluginRegistry:
    """Installed plugins plus these fakes."""
    return PluginRegistry.of(
        {
            PluginKind.CONNECTOR: {
                "counting": CountingSource,
                "collecting": CollectingSink,
                "rewinding": RewindingSink,
                "holding": HoldingSink,
                "careless": CarelessSource,
            },
            PluginKind.TRANSFORMATION: {
                "Poison": Poison,
                "AddField": AddField,
                "TrackedField": TrackedField,
                "BrokenTransform": BrokenTransform,
            },
            PluginKind.PREDICATE: {"TopicIs": TopicIs, "TrackedTopicIs": TrackedTopicIs},
            PluginKind.CONVERTER: {"PlainJson": PlainJson, "TrackedJson": TrackedJson},
            PluginKind.HEADER_CONVERTER: {"Utf8Headers": Utf8Headers, "TrackedHeaders": TrackedHeaders},
        },
        base=PluginRegistry(),
    )
