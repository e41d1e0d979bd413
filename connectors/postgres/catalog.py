"""Catalog look-ups on a regular connection: table columns, primary keys, non-builtin types, tables to capture."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import psycopg

from connectors.postgres.types import PgType


class TableColumn(NamedTuple):
    name: str
    type_oid: int
    typmod: int
    not_null: bool


class TableInfo(NamedTuple):
    oid: int
    schema: str
    name: str
    columns: tuple[TableColumn, ...]
    primary_key: tuple[str, ...]
    replica_identity: str


_TABLE_SQL = """
SELECT c.oid, n.nspname, c.relname, c.relreplident
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {where}
"""

_COLUMNS_SQL = """
SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull
FROM pg_attribute a
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
"""

_PK_SQL = """
SELECT a.attname
FROM pg_index i
JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = %s AND i.indisprimary
ORDER BY k.pos
"""

_TYPE_SQL = """
SELECT t.oid, t.typname, t.typtype, t.typelem, t.typbasetype, t.typcategory,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       t.typtypmod
FROM pg_type t WHERE t.oid = %s
"""

_CAPTURABLE_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
  AND n.nspname NOT LIKE 'pg_temp%%'
ORDER BY 1, 2
"""


class Catalog:
    """Caches what it reads; `forget(oid)` after a Relation message says a table changed."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._types: dict[int, PgType | None] = {}
        self._tables: dict[int, TableInfo] = {}

    def use(self, conn: psycopg.Connection) -> None:
        """Read through `conn` from now on (the task reconnected after the server went away)."""
        self._conn = conn

    def table(self, oid: int) -> TableInfo | None:
        if oid not in self._tables:
            info = self._read_table("c.oid = %s", (oid,))
            if info is None:
                return None
            self._tables[oid] = info
        return self._tables[oid]

    def table_by_name(self, schema: str, name: str) -> TableInfo | None:
        return self._read_table("n.nspname = %s AND c.relname = %s", (schema, name))

    def forget(self, oid: int) -> None:
        self._tables.pop(oid, None)

    def _read_table(self, where: str, params: Sequence[object]) -> TableInfo | None:
        with self._conn.cursor() as cur:
            row = cur.execute(_TABLE_SQL.format(where=where), params).fetchone()
            if row is None:
                return None
            oid, schema, name, identity = row
            columns = tuple(TableColumn(*r) for r in cur.execute(_COLUMNS_SQL, (oid,)).fetchall())
            pk = tuple(r[0] for r in cur.execute(_PK_SQL, (oid,)).fetchall())
        self._conn.commit()
        return TableInfo(oid, schema, name, columns, pk, identity)

    def type(self, oid: int) -> PgType | None:
        if oid not in self._types:
            with self._conn.cursor() as cur:
                row = cur.execute(_TYPE_SQL, (oid,)).fetchone()
            self._conn.commit()
            self._types[oid] = (
                None if row is None else PgType(row[0], row[1], row[2], row[3], row[4], tuple(row[6]), row[5], row[7])
            )
        return self._types[oid]

    def capturable_tables(self) -> list[tuple[str, str]]:
        with self._conn.cursor() as cur:
            rows = cur.execute(_CAPTURABLE_SQL).fetchall()
        self._conn.commit()
        return [(r[0], r[1]) for r in rows]


class TableFilter:
    """Debezium's schema/table/column include and exclude lists: regular expressions matched in full."""

    def __init__(
        self,
        table_include: Sequence[str] = (),
        table_exclude: Sequence[str] = (),
        column_include: Sequence[str] = (),
        column_exclude: Sequence[str] = (),
        always: Sequence[str] = (),
        schema_include: Sequence[str] = (),
        schema_exclude: Sequence[str] = (),
    ) -> None:
        self._si = [re.compile(p, re.IGNORECASE) for p in schema_include]
        self._se = [re.compile(p, re.IGNORECASE) for p in schema_exclude]
        self._ti = [re.compile(p, re.IGNORECASE) for p in table_include]
        self._te = [re.compile(p, re.IGNORECASE) for p in table_exclude]
        self._ci = [re.compile(p, re.IGNORECASE) for p in column_include]
        self._ce = [re.compile(p, re.IGNORECASE) for p in column_exclude]
        self._always = {a.lower() for a in always}

    def table(self, schema: str, name: str) -> bool:
        full = f"{schema}.{name}"
        if full.lower() in self._always:
            return True
        if schema in ("pg_catalog", "information_schema"):
            return False
        if self._si and not any(p.fullmatch(schema) for p in self._si):
            return False
        if any(p.fullmatch(schema) for p in self._se):
            return False
        if self._ti:
            return any(p.fullmatch(full) for p in self._ti)
        return not any(p.fullmatch(full) for p in self._te)

    def column(self, schema: str, table: str, column: str) -> bool:
        full = f"{schema}.{table}.{column}"
        if self._ci:
            return any(p.fullmatch(full) for p in self._ci)
        return not any(p.fullmatch(full) for p in self._ce)
