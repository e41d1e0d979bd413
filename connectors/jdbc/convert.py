"""Records → changes: which table, which operation, the key, and the row encoded for the dialect.

Debezium envelopes are read directly (`c`/`r`/`u` write the `after` image, `d` deletes by key,
`t` truncates), as are flat records and tombstones. What a schema implies (columns, key,
encoders) is worked out once per (topic, key schema, value schema) and reused for every record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from operator import itemgetter
from typing import Any

from connect.data import Schema, SinkRecord, Type
from connect.data.envelope import ENVELOPE_SUFFIX
from connect.errors import DataException
from connectors.jdbc.columns import Column, Kind, column_of
from connectors.jdbc.config import JdbcSinkConfig, PkMode, SequenceSource
from connectors.jdbc.dialects import Dialect, TableId

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


class Action(Enum):
    WRITE = auto()
    DELETE = auto()
    TRUNCATE = auto()


@dataclass(frozen=True, slots=True)
class Plan:
    """How records of one shape become rows of one table."""

    table: TableId
    columns: tuple[Column, ...]  # key columns, value columns, then the sequence column
    key: tuple[str, ...]  # key column names (a prefix of `columns`)
    guard: str | None
    encode: Callable[[tuple[Any, ...]], Any]  # raw row → encoded row
    take: Callable[[dict[str, Any]], tuple[Any, ...]]  # row image → values of the value columns
    take_key: Callable[[dict[str, Any]], tuple[Any, ...]]  # key struct (or row image) → key values

    @property
    def key_columns(self) -> tuple[Column, ...]:
        """What a delete writes: the key columns (and the sequence column)."""
        n = len(self.key)
        return self.columns[:n] + (self.columns[-1:] if self.guard else ())


@dataclass(slots=True)
class Change:
    """One record's effect: write a row, delete a key, or truncate a table."""

    action: Action
    table: TableId
    plan: Plan | None  # None for truncates
    key: Any  # hashable key values (None when the table has no key)
    row: Any  # encoded row (WRITE) or encoded key (DELETE)
    seq: int | None
    record: SinkRecord


@dataclass(slots=True)
class _Shape:
    """What one (topic, key schema, value schema) implies, before the table is known."""

    key_schema: Schema | None
    value_schema: Schema | None
    envelope: bool
    row_schema: Schema | None
    table: TableId | None  # None when the table name depends on the record's `source` block
    by_table: dict[TableId, tuple[Plan, Plan | None]]  # write plan, delete plan
    plans: tuple[Plan, Plan | None] | None = None  # the plans of `table`, when it is fixed


class RecordConverter:
    """Turns sink records into changes per the task's settings (one instance per task)."""

    def __init__(self, config: JdbcSinkConfig, dialect: Dialect) -> None:
        self.config = config
        self.dialect = dialect
        self._shapes: dict[tuple[str, int, int], _Shape] = {}
        self._per_record_table = "${source." in config.table_format
        self._guard = config.sequence_column
        self._lsn = config.sequence_source is SequenceSource.SOURCE_LSN

    def convert(self, record: SinkRecord) -> Change | None:
        """The change a record makes; None when it makes none. Raises DataException for a bad record."""
        vs, ks = record.value_schema, record.key_schema
        shape = self._shapes.get((record.topic, id(vs), id(ks)))
        if shape is None or shape.value_schema is not vs or shape.key_schema is not ks:
            shape = self._shape(record)
        value = record.value
        source = None
        if shape.envelope:
            op = value.get("op")
            source = value.get("source")
            if op in ("c", "u", "r"):
                image = value.get("after")
                if image is None:
                    raise DataException(f"change event with op {op!r} has no 'after' image")
                return self._write(record, shape, image, source)
            if op == "d":
                return self._delete(record, shape, source) if self.config.delete_enabled else None
            if op == "t" and self.config.truncate_enabled:
                return Change(Action.TRUNCATE, self._table(record, shape, source), None, None, None, None, record)
            return None  # truncates (truncate.enabled=false) and logical messages change no row
        if value is None:
            if not self.config.delete_enabled or self._per_record_table:
                return None  # a tombstone names no table through `source`: the delete event before it did the work
            return self._delete(record, shape, None)
        if not isinstance(value, dict):
            raise DataException(f"the record value is a {type(value).__name__}; only structs can be rows")
        return self._write(record, shape, value, None)

    # -- shapes and plans -------------------------------------------------------------------
    def _shape(self, record: SinkRecord) -> _Shape:
        vs = record.value_schema
        if vs is None and record.value is not None:
            raise DataException(
                "the record value has no schema: the SQL sink maps schema fields to columns (use "
                "JsonConverter with schemas.enable=true, or Avro)"
            )
        envelope = vs is not None and vs.type is Type.STRUCT and (vs.name or "").endswith(ENVELOPE_SUFFIX)
        row_schema = vs
        if envelope:
            assert vs is not None
            row_schema = vs.field("after").schema if vs.has_field("after") else None
        if row_schema is not None and row_schema.type is not Type.STRUCT:
            raise DataException(f"the record value is a {row_schema.type}; only structs can be rows")
        table = None if self._per_record_table else self.table_for(record.topic, None)
        shape = _Shape(record.key_schema, vs, envelope, row_schema, table, {})
        if len(self._shapes) > 1000:  # schemas churned (e.g. schemaless keys): start over
            self._shapes.clear()
        self._shapes[(record.topic, id(vs), id(record.key_schema))] = shape
        return shape

    def _plans(self, record: SinkRecord, shape: _Shape, source: Any) -> tuple[Plan, Plan | None]:
        found = shape.plans
        if found is not None:
            return found
        table = self._table(record, shape, source)
        found = shape.by_table.get(table)
        if found is None:
            found = shape.by_table[table] = self._build(record.topic, shape, table)
            if shape.table is not None:
                shape.plans = found
        return found

    def _build(self, topic: str, shape: _Shape, table: TableId) -> tuple[Plan, Plan | None]:
        config, mode = self.config, self.config.pk_mode
        key_columns: list[Column] = []
        if mode is PkMode.KAFKA:
            names = config.kafka_pk_names
            key_columns = [
                Column(names[0], Kind.STRING, False),
                Column(names[1], Kind.INT32, False),
                Column(names[2], Kind.INT64, False),
            ]
        elif mode is PkMode.RECORD_KEY:
            key_columns = self._record_key_columns(shape.key_schema)
        fields = shape.row_schema.fields if shape.row_schema is not None else ()
        if mode is PkMode.RECORD_VALUE:
            wanted = config.pk_fields or tuple(f.name for f in fields)
            by_name = {f.name: f for f in fields}
            missing = [n for n in wanted if n not in by_name]
            if missing:
                raise DataException(f"pk.fields {missing} are not fields of the record value")
            key_columns = [column_of(n, by_name[n].schema) for n in wanted]
        key_names = tuple(c.name for c in key_columns)
        value_columns = [
            column_of(f.name, f.schema)
            for f in fields
            if f.name not in key_names and f.name != self._guard and config.fields.keeps(topic, f.name)
        ]
        guard = [Column(self._guard, Kind.INT64, True)] if self._guard else []
        columns = (*key_columns, *value_columns, *guard)
        take, take_key = _taker(tuple(c.name for c in value_columns)), _taker(key_names)
        write = Plan(table, columns, key_names, self._guard, self.dialect.encoder(columns), take, take_key)
        delete = None
        if key_columns:
            n = len(key_columns)
            encode = self.dialect.encoder(columns[:n] + tuple(guard))
            delete = Plan(table, columns, key_names, self._guard, encode, take, take_key)
        return write, delete

    def _record_key_columns(self, schema: Schema | None) -> list[Column]:
        if schema is None:
            raise DataException("pk.mode=record_key needs a record key with a schema; this record's key has none")
        wanted = self.config.pk_fields
        if schema.type is Type.STRUCT:
            names = wanted or tuple(f.name for f in schema.fields)
            missing = [n for n in names if not schema.has_field(n)]
            if missing:
                raise DataException(f"pk.fields {missing} are not fields of the record key")
            return [column_of(n, schema.field(n).schema) for n in names]
        if len(wanted) != 1:
            raise DataException("a primitive record key needs exactly one column name in pk.fields")
        return [column_of(wanted[0], schema)]

    # -- tables -----------------------------------------------------------------------------
    def _table(self, record: SinkRecord, shape: _Shape, source: dict[str, Any] | None) -> TableId:
        return shape.table or self.table_for(record.topic, source)

    def table_for(self, topic: str, source: dict[str, Any] | None) -> TableId:
        parts = topic.split(".")
        values = {"topic": topic, "table": parts[-1], "schema": parts[-2] if len(parts) > 1 else ""}
        if source is not None:
            values.update({f"source.{k}": str(source.get(k) or "") for k in ("schema", "table", "db")})

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise DataException(f"table.name.format uses ${{{name}}} but the record is not a change event")
            return values[name].replace(".", "_")

        # A dot written in the format separates schema from table; dots inside values were replaced above.
        schema, _, name = _PLACEHOLDER.sub(lambda m: fill(m).replace(".", "\0"), self.config.table_format).rpartition(
            "."
        )
        name = name.replace("\0", "_")
        if not name:
            raise DataException(f"table.name.format gives an empty table name for topic {topic!r}")
        return TableId(schema.replace("\0", "_") or None, name)

    # -- rows -------------------------------------------------------------------------------
    def _write(self, record: SinkRecord, shape: _Shape, image: dict[str, Any], source: Any) -> Change:
        plan = self._plans(record, shape, source)[0]
        key = self._key(record, plan, image)
        values = plan.take(image)
        seq = self._seq(record, source) if plan.guard else None
        raw = (key or ()) + values + ((seq,) if plan.guard else ())
        return Change(Action.WRITE, plan.table, plan, key, plan.encode(raw), seq, record)

    def _delete(self, record: SinkRecord, shape: _Shape, source: Any) -> Change | None:
        if record.key is None:
            return None  # nothing names the row
        plan, delete = self._plans(record, shape, source)
        assert delete is not None  # delete.enabled needs pk.mode=record_key
        key = self._key(record, plan, None)
        assert key is not None  # deletes need a key (pk.mode=record_key)
        seq = None
        if plan.guard:
            seq = self._seq(record, source, required=False)
            if seq is None:
                return None  # a tombstone after a guarded delete: the delete already did it
        raw = key + ((seq,) if plan.guard else ())
        return Change(Action.DELETE, plan.table, delete, key, delete.encode(raw), seq, record)

    def _key(self, record: SinkRecord, plan: Plan, image: dict[str, Any] | None) -> tuple[Any, ...] | None:
        mode = self.config.pk_mode
        if mode is PkMode.NONE:
            return None
        if mode is PkMode.KAFKA:
            return (record.topic, record.kafka_partition, record.kafka_offset)
        source = record.key if mode is PkMode.RECORD_KEY else image
        if not isinstance(source, dict):
            if mode is PkMode.RECORD_KEY and source is not None and len(plan.key) == 1:
                return (source,)
            raise DataException(f"pk.mode={mode.value}: the record has no {mode.value.replace('_', ' ')} struct")
        key = plan.take_key(source)
        if None in key:
            raise DataException(f"a primary key field is null in {dict(zip(plan.key, key, strict=True))}")
        return key

    def _seq(self, record: SinkRecord, source: Any, required: bool = True) -> int | None:
        if not self._lsn:
            return record.kafka_offset
        lsn = source.get("lsn") if isinstance(source, dict) else None
        if lsn is None and required:
            raise DataException("sequence.source=source.lsn but the record is not a change event with a source lsn")
        return lsn


def _taker(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """Row image → the values of these fields, as a tuple (a field absent from the image is null)."""
    if not names:
        return lambda image: ()
    getter = itemgetter(*names)
    single = len(names) == 1

    def take(image: dict[str, Any]) -> tuple[Any, ...]:
        try:
            got = getter(image)
        except KeyError:
            return tuple(image.get(n) for n in names)
        return (got,) if single else got

    return take
