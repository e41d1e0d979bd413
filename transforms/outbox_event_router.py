"""Debezium's outbox EventRouter: the insert event of an outbox row becomes a domain event on a routed topic."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple, TypeVar

import orjson

from connect.config import ConfigDef, Importance, Type, ValidString
from connect.data import ConnectRecord, Header, Schema
from connect.data.envelope import read_change, row_schema
from connect.data.logical import TIMESTAMP, timestamp_to_millis
from connect.data.schema import (
    OPTIONAL_BYTES_SCHEMA,
    STRING_SCHEMA,
)
from connect.errors import ConfigException, ConnectException, DataException
from connect.spi import Transformation
from transforms._java_regex import compile_java, java_replacement
from transforms.json_schemas import CACHE_LIMIT, JsonSchemas

log = logging.getLogger(__name__)

R = TypeVar("R", bound=ConnectRecord)

TABLE, ROUTER = "Table", "Router"
PLACEMENTS = ("header", "envelope", "partition")


def java_regex(name: str, pattern: str) -> re.Pattern[str]:
    """Compile a Java regular expression (the shared translation in transforms/_java_regex.py)."""
    try:
        return compile_java(pattern)
    except ValueError as exc:
        raise ConfigException(name, pattern, f"Invalid regular expression: {exc}") from None


def _placement_list(name: str, value: Any) -> None:
    for item in value or []:
        bits = [b.strip() for b in str(item).split(":")]
        if len(bits) not in (2, 3) or not bits[0] or bits[1].lower() not in PLACEMENTS:
            raise ConfigException(
                name, value, f"'{item}' is not column:placement[:alias] with placement one of {', '.join(PLACEMENTS)}"
            )


def _regex(name: str, value: Any) -> None:
    if value is not None:
        java_regex(name, value)


CONFIG_DEF = (
    ConfigDef()
    .define(
        "table.field.event.id",
        Type.STRING,
        "id",
        Importance.LOW,
        "Column holding the event id; it is sent in the `id` header.",
        group=TABLE,
    )
    .define(
        "table.field.event.key",
        Type.STRING,
        "aggregateid",
        Importance.LOW,
        "Column holding the event key (the aggregate id): the Kafka record key, so one aggregate's events "
        "stay in order on one partition.",
        group=TABLE,
    )
    .define(
        "table.field.event.type",
        Type.STRING,
        "type",
        Importance.LOW,
        "Column holding the event type; a row whose type is null is rejected.",
        group=TABLE,
    )
    .define(
        "table.field.event.payload",
        Type.STRING,
        "payload",
        Importance.LOW,
        "Column holding the event payload: the Kafka record value.",
        group=TABLE,
    )
    .define(
        "table.field.event.timestamp",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Column whose value becomes the Kafka record timestamp (Timestamp, MicroTimestamp, NanoTimestamp or "
        "ZonedTimestamp); when unset or null, the event's `ts_ms`.",
        group=TABLE,
    )
    .define(
        "table.field.event.schema.version",
        Type.STRING,
        None,
        Importance.LOW,
        "Column holding the version given to the value schema.",
        group=TABLE,
    )
    .define(
        "table.fields.additional.placement",
        Type.LIST,
        "",
        Importance.HIGH,
        "Extra columns carried along, as `column:header|envelope|partition[:alias]` items; `envelope` wraps "
        "the value as a struct {payload, alias...}, `partition` sets the Kafka partition.",
        validator=_placement_list,
        group=TABLE,
    )
    .define(
        "table.fields.additional.error.on.missing",
        Type.BOOLEAN,
        True,
        Importance.MEDIUM,
        "Reject an event missing one of the additional columns (false: leave it out).",
        group=TABLE,
    )
    .define(
        "table.field.additional.missing",
        Type.STRING,
        None,
        Importance.LOW,
        "Newer Debezium spelling of the previous key: `error` or `ignore`; wins when set.",
        validator=ValidString.in_("error", "ignore"),
        group=TABLE,
    )
    .define(
        "table.op.invalid.behavior",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "What an update of an outbox row does: `warn` (when unset) or `error` (logged at that level, dropped) "
        "or `fatal` (the task fails). Deletes are always dropped silently.",
        validator=ValidString.in_("warn", "error", "fatal"),
        group=TABLE,
    )
    .define(
        "debezium.op.invalid.behavior",
        Type.STRING,
        None,
        Importance.LOW,
        "Older Debezium name of `table.op.invalid.behavior`; used when that key is not set.",
        validator=ValidString.in_("warn", "error", "fatal"),
        group=TABLE,
    )
    .define(
        "table.expand.json.payload",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Parse a JSON text payload into a structured value (with a Connect schema inferred from it when the "
        "event has schemas); a payload that is not a JSON object or array is rejected.",
        group=TABLE,
    )
    .define(
        "table.json.payload.null.behavior",
        Type.STRING,
        "ignore",
        Importance.MEDIUM,
        "Expanded JSON nulls: `ignore` leaves such fields out of the inferred schema, `optional_bytes` keeps "
        "them as optional bytes.",
        validator=ValidString.in_("ignore", "optional_bytes"),
        group=TABLE,
    )
    .define(
        "table.json.payload.empty.array.behavior",
        Type.STRING,
        "ignore",
        Importance.LOW,
        "Expanded empty JSON arrays: `ignore` leaves them out, `optional_string` types them as arrays of "
        "optional strings.",
        validator=ValidString.in_("ignore", "optional_string"),
        group=TABLE,
    )
    .define(
        "route.by.field",
        Type.STRING,
        "aggregatetype",
        Importance.HIGH,
        "Column whose value names the topic (`${routedByValue}` in the replacement).",
        group=ROUTER,
    )
    .define(
        "route.topic.regex",
        Type.STRING,
        "(?<routedByValue>.*)",
        Importance.LOW,
        "Regular expression (Java syntax accepted) matched against the routing value.",
        validator=_regex,
        group=ROUTER,
    )
    .define(
        "route.topic.replacement",
        Type.STRING,
        "outbox.event.${routedByValue}",
        Importance.HIGH,
        "The topic, with `${group}` / `$n` references to the regex's groups.",
        group=ROUTER,
    )
    .define(
        "route.tombstone.on.empty.payload",
        Type.BOOLEAN,
        False,
        Importance.HIGH,
        "An empty or null payload becomes a tombstone (null value).",
        group=ROUTER,
    )
)


class _Extra(NamedTuple):
    column: str
    placement: str
    alias: str


class EventRouter(Transformation):
    """Routes outbox-table insert events (Debezium envelopes) to per-aggregate-type topics."""

    config_def: ClassVar[ConfigDef] = CONFIG_DEF
    aliases: ClassVar[tuple[str, ...]] = ("io.debezium.transforms.outbox.EventRouter",)
    doc: ClassVar[str] = (
        "The transactional-outbox router: each insert into the outbox table becomes one event whose key is the "
        "aggregate id, whose value is the payload (parsed JSON with `table.expand.json.payload`), with the event "
        "id in an `id` header, on the topic named by `route.topic.replacement` from the `route.by.field` column. "
        "Deletes and tombstones are dropped, updates are logged or fail the task (`table.op.invalid.behavior`), "
        "records that are not change events pass unchanged. Same keys and defaults as Debezium's EventRouter.\n\n"
        '    {"transforms": "outbox",\n'
        '     "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",\n'
        '     "transforms.outbox.table.field.event.key": "aggregate_id",\n'
        '     "transforms.outbox.table.field.event.type": "event_type",\n'
        '     "transforms.outbox.route.by.field": "event_type",\n'
        '     "transforms.outbox.route.topic.replacement": "${routedByValue}",\n'
        '     "transforms.outbox.table.expand.json.payload": "true"}'
    )

    def configure(self, props: Mapping[str, Any]) -> None:
        c = CONFIG_DEF.parse(props)
        self.id_col: str = c["table.field.event.id"]
        self.key_col: str | None = c["table.field.event.key"] or None
        self.type_col: str | None = c["table.field.event.type"] or None
        self.payload_col: str = c["table.field.event.payload"]
        self.ts_col: str | None = c["table.field.event.timestamp"] or None
        self.version_col: str | None = c["table.field.event.schema.version"] or None
        self.route_col: str = c["route.by.field"]
        self.extras = [
            _Extra(bits[0], bits[1].lower(), bits[2] if len(bits) > 2 else bits[0])
            for bits in ([b.strip() for b in str(item).split(":")] for item in c["table.fields.additional.placement"])
        ]
        missing = c["table.field.additional.missing"]
        self.error_on_missing = missing == "error" if missing else c["table.fields.additional.error.on.missing"]
        invalid = c["table.op.invalid.behavior"] or c["debezium.op.invalid.behavior"] or "warn"
        self.invalid_op = str(invalid).lower()
        self.expand = c["table.expand.json.payload"]
        self.json = JsonSchemas(
            self.payload_col,
            c["table.json.payload.null.behavior"].lower() == "optional_bytes",
            c["table.json.payload.empty.array.behavior"].lower() == "optional_string",
        )
        self.tombstone_on_empty = c["route.tombstone.on.empty.payload"]
        self.regex = java_regex("route.topic.regex", c["route.topic.regex"])
        self.replacement = java_replacement("route.topic.replacement", c["route.topic.replacement"], self.regex)
        self.wraps = any(e.placement == "envelope" for e in self.extras)
        self._topics: dict[str, str] = {}
        self._value_schemas: dict[tuple[Any, ...], Schema] = {}
        self._envelope: Schema | None = None
        self._row: Schema | None = None

    # -- the transform -----------------------------------------------------------------------
    def apply(self, record: R) -> R | None:
        if record.value is None:
            return None  # tombstones of deleted outbox rows
        change = read_change(record)
        if change is None or change.op == "m":
            return record  # heartbeats and other non-row records pass
        op = change.op
        if op == "u":
            self._unexpected(record)
            return None
        if op not in ("c", "r"):
            return None  # deletes (outbox rows are removed after insert) and truncates carry no event
        row = change.after
        if row is None:
            raise DataException(f"outbox event (op '{op}') has no 'after' row")
        schema = self._row_schema(record.value_schema)
        event_id = self._column(row, self.id_col, "table.field.event.id")
        if self.type_col is not None and self.type_col in row:
            event_type = row[self.type_col]
            if event_type is None or (isinstance(event_type, str) and not event_type.strip()):
                raise DataException(
                    f"outbox event {event_id}: column '{self.type_col}' (table.field.event.type) is empty"
                )
        routed = self._column(row, self.route_col, "route.by.field")
        if routed is None:
            raise DataException(
                f"outbox event {event_id}: column '{self.route_col}' (route.by.field) is null, so "
                f"the event has no topic"
            )
        routed = str(routed)
        topic = self._topics.get(routed)
        if topic is None:
            topic = self._topic(routed)
        payload = self._column(row, self.payload_col, "table.field.event.payload")
        payload_schema = schema.field(self.payload_col).schema if schema is not None else None
        if self.expand and isinstance(payload, str | bytes) and payload:
            payload, payload_schema = self._expand(event_id, payload, schema is not None)
        headers = (*record.headers, Header("id", event_id, self._schema_of(schema, self.id_col)))
        partition = record.kafka_partition
        envelope: dict[str, Any] | None = {"payload": payload} if self.wraps else None
        for extra in self.extras:
            if extra.column not in row:
                if self.error_on_missing:
                    raise DataException(
                        f"outbox event {event_id}: no column '{extra.column}' (table.fields.additional.placement)"
                    )
                continue
            if extra.placement == "header":
                headers = (*headers, Header(extra.alias, row[extra.column], self._schema_of(schema, extra.column)))
            elif extra.placement == "envelope":
                envelope[extra.alias] = row[extra.column]  # type: ignore[index]
            else:
                partition = self._partition(event_id, extra.column, row[extra.column])
        empty = payload is None or (isinstance(payload, str) and not payload.strip())
        if empty and self.tombstone_on_empty:
            value, value_schema = None, None
        elif envelope is not None:
            value = envelope
            value_schema = self._envelope_schema(payload_schema, schema, routed, row) if schema else None
        else:
            value = payload
            value_schema = self._versioned(payload_schema, row) if schema is not None else None
        key = row.get(self.key_col) if self.key_col else None
        if self.key_col and self.key_col not in row:
            raise DataException(f"outbox event {event_id}: no column '{self.key_col}' (table.field.event.key)")
        key_schema = None
        if schema is not None:
            key_schema = self._schema_of(schema, self.key_col) if self.key_col else STRING_SCHEMA
        return record.replace(
            topic=topic,
            kafka_partition=partition,
            key_schema=key_schema,
            key=key,
            value_schema=value_schema,
            value=value,
            timestamp=self._timestamp(event_id, record.value, row, schema),
            headers=headers,
        )

    # -- helpers -----------------------------------------------------------------------------
    def _row_schema(self, envelope: Schema | None) -> Schema | None:
        if envelope is None:
            return None
        if envelope is not self._envelope:
            self._envelope, self._row = envelope, row_schema(envelope, "after")
        return self._row

    @staticmethod
    def _column(row: Mapping[str, Any], column: str, key: str) -> Any:
        try:
            return row[column]
        except KeyError:
            raise DataException(
                f"outbox event has no column '{column}' ({key}); its columns are {', '.join(row)}"
            ) from None

    @staticmethod
    def _schema_of(schema: Schema | None, column: str | None) -> Schema | None:
        if schema is None or column is None or not schema.has_field(column):
            return None
        return schema.field(column).schema

    def _topic(self, routed: str) -> str:
        match = self.regex.fullmatch(routed)
        topic = self.replacement(match) if match is not None else routed
        if len(self._topics) >= CACHE_LIMIT:
            self._topics.clear()
        self._topics[routed] = topic
        return topic

    def _expand(self, event_id: Any, payload: str | bytes, with_schema: bool) -> tuple[Any, Schema | None]:
        head = payload.lstrip()[:1]
        if head not in ("{", "[", b"{", b"["):
            raise DataException(
                f"outbox event {event_id}: column '{self.payload_col}' "
                f"(table.field.event.payload) is not a JSON object or array"
            )
        try:
            parsed = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise DataException(
                f"outbox event {event_id}: column '{self.payload_col}' "
                f"(table.field.event.payload) is not valid JSON: {exc}"
            ) from None
        if not with_schema:
            return parsed, None
        try:
            return self.json.infer(parsed)
        except DataException as exc:
            raise DataException(f"outbox event {event_id}: column '{self.payload_col}': {exc}") from None

    def _versioned(self, schema: Schema | None, row: Mapping[str, Any]) -> Schema | None:
        if self.version_col is None or schema is None:
            return schema
        version = row.get(self.version_col)
        cache_key = ("v", schema, version)
        found = self._value_schemas.get(cache_key)
        if found is None:
            found = schema.with_(version=int(version)) if version is not None else schema
            self._remember(cache_key, found)
        return found

    def _envelope_schema(
        self, payload: Schema | None, row_schema_: Schema, routed: str, row: Mapping[str, Any]
    ) -> Schema:
        version = row.get(self.version_col) if self.version_col else None
        cache_key = ("e", payload, routed, version)
        found = self._value_schemas.get(cache_key)
        if found is not None:
            return found
        # As Debezium: `<row schema namespace>.<routed value>.<row schema simple name>`.
        base = row_schema_.name or ""
        name = f"{base[: base.rfind('.') + 1]}{routed}.{base[base.rfind('.') + 1 :]}" if base else routed
        fields: list[tuple[str, Schema]] = [("payload", payload or OPTIONAL_BYTES_SCHEMA)]
        for extra in self.extras:
            if extra.placement == "envelope" and row_schema_.has_field(extra.column):
                fields.append((extra.alias, row_schema_.field(extra.column).schema))
        found = Schema.struct(name, fields, version=int(version) if version is not None else None)
        self._remember(cache_key, found)
        return found

    def _remember(self, key: tuple[Any, ...], schema: Schema) -> None:
        if len(self._value_schemas) >= CACHE_LIMIT:
            self._value_schemas.clear()
        self._value_schemas[key] = schema

    @staticmethod
    def _partition(event_id: Any, column: str, value: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise DataException(
                f"outbox event {event_id}: column '{column}' (partition placement) is not an integer: {value!r}"
            ) from None

    def _timestamp(
        self, event_id: Any, envelope: Mapping[str, Any], row: Mapping[str, Any], schema: Schema | None
    ) -> int | None:
        fallback = envelope.get("ts_ms")
        if self.ts_col is None:
            return fallback
        value = self._column(row, self.ts_col, "table.field.event.timestamp")
        if value is None:
            return fallback
        name = self._schema_of(schema, self.ts_col)
        kind = name.name if name is not None else None
        try:
            return to_millis(value, kind)
        except (TypeError, ValueError):
            raise DataException(
                f"outbox event {event_id}: column '{self.ts_col}' (table.field.event.timestamp) "
                f"holds {value!r} of type {kind or type(value).__name__}, not a timestamp"
            ) from None

    def _unexpected(self, record: ConnectRecord) -> None:
        message = f"outbox row with key {record.key!r} was updated; outbox rows are only inserted (and deleted)"
        if self.invalid_op == "fatal":
            raise ConnectException(message + " (table.op.invalid.behavior=fatal)")
        log.log(logging.ERROR if self.invalid_op == "error" else logging.WARNING, "%s: event dropped", message)


_TIME_DIVISORS = {
    TIMESTAMP: 1,
    "io.debezium.time.Timestamp": 1,
    "io.debezium.time.MicroTimestamp": 1000,
    "io.debezium.time.NanoTimestamp": 1_000_000,
}


def to_millis(value: Any, schema_name: str | None) -> int:
    """Epoch milliseconds of a timestamp column value, read as its logical type says."""
    if isinstance(value, dt.datetime):
        return timestamp_to_millis(value)
    if isinstance(value, str):
        return to_millis(dt.datetime.fromisoformat(value), None)
    if isinstance(value, int) and not isinstance(value, bool):
        divisor = _TIME_DIVISORS.get(schema_name or TIMESTAMP)
        if divisor is None:
            raise TypeError(schema_name)
        return value // divisor
    raise TypeError(type(value).__name__)
