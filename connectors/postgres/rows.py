"""One table's row reader: raw column values → the Debezium row dict (the hot path of every event).

Built once per table (per Relation message while streaming): loaders are bound by OID into a
psycopg C Transformer, so loading a row is one C call; the few columns that need a Debezium
conversion after loading are listed once, so a row costs one `dict(zip(...))` and those calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from psycopg.adapt import Transformer
from psycopg.pq import Format

from connectors.postgres.pgoutput import UNCHANGED
from connectors.postgres.schema import TableSchemas
from connectors.postgres.types import ColumnMapping, TypeLookup, TypeModes, column_mapping, toast_placeholder


class ColumnDef(NamedTuple):
    name: str
    type_oid: int
    typmod: int
    optional: bool


class TableReader:
    """Reads the rows of one table: `row(raw)` for pgoutput tuples, `convert(loaded)` for loaded tuples."""

    def __init__(self, schema: str, table: str, topic: str, columns: Sequence[ColumnDef], key: Sequence[str],
                 modes: TypeModes, lookup: TypeLookup, keep: Sequence[bool] | None = None,
                 placeholder: str | None = None) -> None:
        self.schema_name = schema
        self.table_name = table
        self.data_collection = f"{schema}.{table}"
        self.topic = topic
        self._keep = None if keep is None or all(keep) else [i for i, k in enumerate(keep) if k]
        kept = list(columns) if self._keep is None else [columns[i] for i in self._keep]
        mappings: list[ColumnMapping] = [column_mapping(c.type_oid, c.typmod, modes, lookup) for c in kept]
        self.names: tuple[str, ...] = tuple(c.name for c in kept)
        self.loader_oids = [m.loader_oid for m in mappings]
        field_schemas = [(c.name, m.schema.as_optional() if c.optional else m.schema) for c, m in zip(kept, mappings,
                                                                                                      strict=True)]
        self.key_names = tuple(k for k in key if k in self.names)
        self.single_key = self.key_names[0] if len(self.key_names) == 1 else None
        self.schemas = TableSchemas(topic, field_schemas, self.key_names)
        self._converters = [(c.name, m.convert) for c, m in zip(kept, mappings, strict=True) if m.convert is not None]
        self._placeholders = [toast_placeholder(s, *(() if placeholder is None else (placeholder,)))
                              for _, s in field_schemas]
        self._mappings = mappings
        self._transformer = Transformer()
        self._transformer.set_loader_types(self.loader_oids, Format.TEXT)
        self._load = self._transformer.load_sequence

    def row(self, raw: list[Any]) -> dict[str, Any]:
        """A pgoutput tuple (bytes/None/UNCHANGED per column) → the row dict."""
        if self._keep is not None:
            raw = [raw[i] for i in self._keep]
        if UNCHANGED in raw:
            return self._row_with_unchanged(raw)
        return self._row(raw)

    def _row(self, raw: list[Any]) -> dict[str, Any]:
        row = dict(zip(self.names, self._load(raw), strict=False))
        for name, convert in self._converters:
            value = row[name]
            if value is not None:
                row[name] = convert(value)
        return row

    def convert(self, loaded: Sequence[Any]) -> dict[str, Any]:
        """A row of the kept columns (`names`), loaded with `loader_oids` (e.g. by COPY) → the row dict."""
        row = dict(zip(self.names, loaded, strict=False))
        for name, convert in self._converters:
            value = row[name]
            if value is not None:
                row[name] = convert(value)
        return row

    def _row_with_unchanged(self, raw: list[Any]) -> dict[str, Any]:
        present = [None if v is UNCHANGED else v for v in raw]
        row = self._row(present)
        for i, v in enumerate(raw):
            if v is UNCHANGED:
                row[self.names[i]] = self._placeholders[i]
        return row

    def key(self, row: dict[str, Any]) -> dict[str, Any] | None:
        if not self.key_names:
            return None
        return {k: row[k] for k in self.key_names}
