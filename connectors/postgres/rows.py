"""One table's row reader: raw column values → the Debezium row dict (the hot path of every event).

Built once per table (per Relation message while streaming). Loaders are bound by OID into a
psycopg C Transformer, so loading a row is one C call. The Python around it is generated
for the table's exact columns — an unrolled pgoutput tuple parser and a dict display with
the column names as constants and each column's Debezium conversion inline — which costs
about a third of a generic loop over columns.

A value that cannot be loaded or converted does not cost the fast path anything: the generated
code falls back to a column-by-column reading that writes null for each failed column and raises
ConversionFailed with that row, so the caller decides (per `event.converting.failure.handling.mode`)
whether to emit it, and can name the position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from psycopg.adapt import Transformer
from psycopg.pq import Format

from connect.data.schema import Schema
from connectors.postgres.columns import ColumnRule, column_change
from connectors.postgres.pgoutput import _I32, UNCHANGED, read_tuple
from connectors.postgres.schema import TableSchemas
from connectors.postgres.types import (
    ColumnMapping,
    TypeLookup,
    TypeModes,
    column_mapping,
    required_fallback,
    toast_placeholder,
)


class ColumnDef(NamedTuple):
    name: str
    type_oid: int
    typmod: int
    optional: bool


class ConversionFailed(Exception):
    """Some columns of a row could not be read; `row` holds the rest, with null for each failed column."""

    def __init__(
        self, table: str, failures: list[tuple[str, Any, Exception]], row: dict[str, Any], required: list[str]
    ) -> None:
        self.table = table
        self.failures = failures
        self.row = row
        self.required = required  # failed columns that may not be null: the event cannot be emitted
        shown = "; ".join(f"column {name} value {_shown(raw)}: {exc}" for name, raw, exc in failures)
        super().__init__(f"cannot convert a row of {table}: {shown}")


def _shown(raw: Any) -> str:
    text = bytes(raw).decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray, memoryview)) else repr(raw)
    return repr(text[:80] + ("..." if len(text) > 80 else ""))


class TableReader:
    """Reads one table's rows: `decode(data, pos)` for pgoutput tuples, `convert(loaded)` for loaded ones.

    `streaming`: the rows come from the replication stream (a few types read differently there).
    """

    def __init__(
        self,
        schema: str,
        table: str,
        topic: str,
        columns: Sequence[ColumnDef],
        key: Sequence[str],
        modes: TypeModes,
        lookup: TypeLookup,
        keep: Sequence[bool] | None = None,
        placeholder: str | None = None,
        field_names: Callable[[str], str] | None = None,
        schema_prefix: str | None = None,
        streaming: bool = False,
        rules: Sequence[ColumnRule] = (),
    ) -> None:
        """`field_names` adjusts column names into event field names; `schema_prefix` (default: the topic)
        starts the Key/Value/Envelope schema names."""
        self.schema_name = schema
        self.table_name = table
        self.data_collection = f"{schema}.{table}"
        self.topic = topic
        all_mappings = [column_mapping(c.type_oid, c.typmod, modes, lookup, streaming) for c in columns]
        wanted = [(keep is None or keep[i]) and m.schema is not None for i, m in enumerate(all_mappings)]
        self._keep = None if all(wanted) else [i for i, k in enumerate(wanted) if k]
        kept = list(columns) if self._keep is None else [columns[i] for i in self._keep]
        mappings: list[ColumnMapping] = all_mappings if self._keep is None else [all_mappings[i] for i in self._keep]
        self.names: tuple[str, ...] = tuple(c.name for c in kept)  # column names, as SQL knows them
        self.fields = self.names if field_names is None else tuple(map(field_names, self.names))  # in events
        self.loader_oids = [m.loader_oid for m in mappings]
        key_fields = {  # keys keep their plain schemas: Debezium applies column rules to values only
            f: _field_schema(m, c) for f, c, m in zip(self.fields, kept, mappings, strict=True) if c.name in key
        }
        if rules:
            mappings = [
                _mapped(m, c, schema, table, rules, lookup, streaming) for c, m in zip(kept, mappings, strict=True)
            ]
        field_schemas = [(f, _field_schema(m, c)) for f, c, m in zip(self.fields, kept, mappings, strict=True)]
        self.key_names = tuple(k for k in key if k in self.names)  # key columns
        self.key_fields = tuple(self.fields[self.names.index(k)] for k in self.key_names)
        self.single_key = self.key_fields[0] if len(self.key_fields) == 1 else None
        self.schemas = TableSchemas(schema_prefix or topic, field_schemas, self.key_fields, key_fields)
        self.required = frozenset(name for name, s in field_schemas if not s.optional)
        self._placeholders = [
            toast_placeholder(s, *(() if placeholder is None else (placeholder,))) for _, s in field_schemas
        ]
        self._fallbacks = [(name, required_fallback(s)) for name, s in field_schemas if not s.optional]
        self._transformer = Transformer()
        self._transformer.set_loader_types(self.loader_oids, Format.TEXT)
        self._load = self._transformer.load_sequence
        self._converters = [m.convert for m in mappings]
        self._column_loaders = [self._transformer.get_loader(oid, Format.TEXT).load for oid in self.loader_oids]
        kept_index = list(range(len(columns))) if self._keep is None else self._keep
        self.convert, self._decode = _generate(
            self.fields, self._converters, len(columns), kept_index, self._load, self._convert_slow, self._decode_slow
        )

    def decode(self, data: bytes, pos: int) -> dict[str, Any]:
        """The row of the pgoutput TupleData at `pos`."""
        row = self._decode(data, pos)
        return row if row is not None else self.row(read_tuple(data, pos)[0])

    def row(self, raw: list[Any]) -> dict[str, Any]:
        """A pgoutput tuple already split (bytes/None/UNCHANGED per column) → the row dict."""
        if self._keep is not None:
            raw = [raw[i] for i in self._keep]
        if UNCHANGED in raw:
            row = self._load_and_convert([None if v is UNCHANGED else v for v in raw])
            for i, v in enumerate(raw):
                if v is UNCHANGED:
                    row[self.fields[i]] = self._placeholders[i]
            return row
        return self._load_and_convert(raw)

    def _load_and_convert(self, raw: list[Any]) -> dict[str, Any]:
        try:
            loaded = self._load(raw)
        except Exception:
            return self._decode_slow(raw)
        return self.convert(loaded)

    def old_key_row(self, raw: list[Any]) -> dict[str, Any]:
        """The old row of a delete/update that carries only the key: NOT NULL columns get Debezium's fallbacks."""
        row = self.row(raw)
        for name, fallback in self._fallbacks:
            if row[name] is None:
                row[name] = fallback
        return row

    def key(self, row: dict[str, Any]) -> dict[str, Any] | None:
        if not self.key_fields:
            return None
        return {k: row[k] for k in self.key_fields}

    # -- the slow paths: a value failed to load or convert ------------------------------------
    def _convert_slow(self, loaded: Sequence[Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        failures: list[tuple[str, Any, Exception]] = []
        for name, field, convert, value in zip(self.names, self.fields, self._converters, loaded, strict=True):
            try:
                nulls = getattr(convert, "accepts_null", False)
                row[field] = value if convert is None or (value is None and not nulls) else convert(value)
            except Exception as exc:
                row[field] = None
                failures.append((name, value, exc))
        return self._checked(row, failures)

    def _decode_slow(self, raw: Sequence[Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        failures: list[tuple[str, Any, Exception]] = []
        columns = zip(self.names, self.fields, self._column_loaders, self._converters, raw, strict=True)
        for name, field, load, convert, value in columns:
            try:
                loaded = None if value is None else load(value)
                if convert is None or (loaded is None and not getattr(convert, "accepts_null", False)):
                    row[field] = loaded
                else:
                    row[field] = convert(loaded)
            except Exception as exc:
                row[field] = None
                failures.append((name, value, exc))
        return self._checked(row, failures)

    def _checked(self, row: dict[str, Any], failures: list[tuple[str, Any, Exception]]) -> dict[str, Any]:
        if not failures:
            return row
        required = [name for name, _, _ in failures if self.fields[self.names.index(name)] in self.required]
        raise ConversionFailed(self.data_collection, failures, row, required)


def _field_schema(mapping: ColumnMapping, column: ColumnDef) -> Schema:
    schema = mapping.schema
    if schema is None:  # such columns are left out before
        raise ValueError(f"column {column.name} has no schema")
    return schema.as_optional() if column.optional else schema


def _mapped(
    mapping: ColumnMapping,
    column: ColumnDef,
    schema: str,
    table: str,
    rules: Sequence[ColumnRule],
    lookup: TypeLookup,
    streaming: bool,
) -> ColumnMapping:
    """A column's mapping with the first matching column rule applied (mask, hash, truncate, propagate)."""
    change = column_change(rules, schema, table, column.name, column.type_oid, column.typmod, lookup, streaming)
    if change is None or mapping.schema is None:
        return mapping
    field = mapping.schema
    if change.parameters:
        field = field.with_(parameters={**(field.parameters or {}), **change.parameters})
    convert = mapping.convert
    if change.convert is not None:
        after = change.convert
        if getattr(after, "accepts_null", False) or convert is None:
            convert = after  # a mask replaces the value whatever it was
        else:
            convert = lambda v, first=convert: after(first(v))  # noqa: E731
    return ColumnMapping(field, mapping.loader_oid, convert)


Builder = Callable[[Sequence[Any]], dict[str, Any]]
Decoder = Callable[[bytes, int], "dict[str, Any] | None"]


def _generate(
    names: Sequence[str],
    converters: Sequence[Callable[[Any], Any] | None],
    width: int,
    kept: Sequence[int],
    load: Callable[[Sequence[Any]], Sequence[Any]],
    convert_slow: Builder,
    decode_slow: Callable[[Sequence[Any]], dict[str, Any]],
) -> tuple[Builder, Decoder]:
    """A row builder from loaded values, and a decoder from pgoutput bytes (None: take the generic path)."""
    env: dict[str, Any] = {
        "unpack": _I32.unpack_from,
        "load": load,
        "convert_slow": convert_slow,
        "decode_slow": decode_slow,
    }
    items = []
    for i, (name, convert) in enumerate(zip(names, converters, strict=True)):
        if convert is None:
            items.append(f"{name!r}: a{i}")
        elif getattr(convert, "accepts_null", False):
            env[f"c{i}"] = convert
            items.append(f"{name!r}: c{i}(a{i})")
        else:
            env[f"c{i}"] = convert
            items.append(f"{name!r}: None if a{i} is None else c{i}(a{i})")
    unpack_all = f"{''.join(f'a{i}, ' for i in range(len(names)))}= values" if names else "pass"
    display = "{" + ", ".join(items) + "}"
    lines = [
        "def build(values):",
        f"    {unpack_all}",
        "    try:",
        f"        return {display}",
        "    except Exception:",
        "        return convert_slow(values)",
        "",
        "def decode(data, pos):",
        f"    if ((data[pos] << 8) | data[pos + 1]) != {width}:",
        "        return None",
        "    pos += 2",
    ]
    for i in range(width):
        # 't' text: length-prefixed bytes; 'n' null; anything else ('u' unchanged TOAST): generic path.
        lines += [
            "    kind = data[pos]",
            "    if kind == 116:",
            "        end = pos + 5 + unpack(data, pos + 1)[0]",
            f"        v{i} = data[pos + 5:end]",
            "        pos = end",
            "    elif kind == 110:",
            f"        v{i} = None",
            "        pos += 1",
            "    else:",
            "        return None",
        ]
    kept_values = ", ".join(f"v{i}" for i in kept)
    lines += [
        f"    raw = [{kept_values}]",
        "    try:",
        "        values = load(raw)",
        "    except Exception:",
        "        return decode_slow(raw)",
        f"    {unpack_all}",
        "    try:",
        f"        return {display}",
        "    except Exception:",
        "        return convert_slow(values)",
    ]
    exec(compile("\n".join(lines), f"<row reader {','.join(names)[:60]}>", "exec"), env)
    return env["build"], env["decode"]
