"""PostgreSQL (psycopg 3): COPY into a temporary stage table, then one INSERT ... ON CONFLICT / UPDATE / DELETE.

COPY in text format lets the server parse what Debezium sends as text (ZonedTimestamp, Json, Uuid,
±infinity) without a round trip through Python objects, and is about twice as fast as executemany in
pipeline mode (bench/jdbc_sink.py measures both). Plain inserts COPY straight into the table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from connectors.jdbc.columns import Column, Kind
from connectors.jdbc.dialects.base import Dialect, Fault, Op, Session, TableId, TableInfo, Write
from connectors.jdbc.values import (
    Convert,
    days_to_date,
    micros_to_time,
    millis_to_time,
    timestamp_reader,
    to_json,
    variable_decimal,
)

_TYPES = {
    Kind.INT8: "smallint",
    Kind.INT16: "smallint",
    Kind.INT32: "integer",
    Kind.INT64: "bigint",
    Kind.FLOAT32: "real",
    Kind.FLOAT64: "double precision",
    Kind.BOOLEAN: "boolean",
    Kind.STRING: "text",
    Kind.BYTES: "bytea",
    Kind.VARIABLE_DECIMAL: "numeric",
    Kind.DATE: "date",
    Kind.DATE_DAYS: "date",
    Kind.ZONED_TIMESTAMP: "timestamptz",
    Kind.ZONED_TIME: "timetz",
    Kind.DURATION_MICROS: "interval",
    Kind.JSON: "jsonb",
    Kind.UUID: "uuid",
    Kind.ENUM: "text",
    Kind.DOCUMENT: "jsonb",
}
_TIMES = (Kind.TIME, Kind.TIME_MILLIS, Kind.TIME_MICROS)
_TIMESTAMPS = (Kind.TIMESTAMP, Kind.TIMESTAMP_MILLIS, Kind.TIMESTAMP_MICROS)
# SQLSTATEs (and classes) a retry may cure: connection, deadlock, serialization, shutdown, resources.
_RETRIABLE = ("08", "40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53", "57014", "58")
_DATA = ("22", "23", "42804", "2200", "42883")
_SCHEMA = ("42P01", "42703")
_REFUSALS = ("authentication failed", "does not exist", "permission denied", "no pg_hba.conf entry")


def _micros_to_interval(micros: int) -> dt.timedelta:
    return dt.timedelta(microseconds=micros)


class PostgresDialect(Dialect):
    name = "PostgreSQL"

    def connect(self) -> PostgresSession:
        url, config = self.config.url, self.config
        params: dict[str, Any] = {
            k: v for k, v in url.params.items() if k in ("sslmode", "connect_timeout", "application_name")
        }
        params.setdefault("connect_timeout", "10")
        params.setdefault("application_name", "sluice-jdbc-sink")
        if "currentSchema" in url.params:
            params["options"] = f"-c search_path={url.params['currentSchema']}"
        conn = psycopg.connect(
            host=",".join(h for h, _ in url.hosts),
            port=",".join(str(p) for _, p in url.hosts),
            dbname=url.database,
            user=config.user,
            password=config.password,
            autocommit=False,
            **params,
        )
        return PostgresSession(self, conn)

    def quote(self, name: str) -> str:
        if not self.quoting:
            return name
        return '"' + name.replace('"', '""') + '"'

    def normalize(self, name: str) -> str:
        return name if self.quoting else name.lower()

    def type_name(self, column: Column, is_key: bool) -> str:
        kind = column.kind
        if kind is Kind.DECIMAL:
            if column.precision and column.scale is not None and column.scale <= column.precision:
                return f"numeric({column.precision},{column.scale})"
            return "numeric"
        if kind in _TIMES:
            return f"time({min(column.fraction_digits, 6)})"
        if kind in _TIMESTAMPS:
            return f"timestamp({min(column.fraction_digits, 6)})"
        if kind is Kind.ARRAY:
            assert column.element is not None
            return self.type_name(column.element, False) + "[]"
        return _TYPES[kind]

    def encoder(self, columns: Sequence[Column]) -> Callable[[tuple[Any, ...]], Any]:
        steps = [(i, f) for i, c in enumerate(columns) if (f := self._value(c)) is not None]
        if not steps:
            return _identity

        def encode(row: tuple[Any, ...]) -> list[Any]:
            out = list(row)
            for i, convert in steps:
                value = out[i]
                if value is not None:
                    out[i] = convert(value)
            return out

        return encode

    def _value(self, column: Column) -> Convert | None:
        """The conversion a value of this column needs before COPY (text format), or None."""
        kind = column.kind
        if kind is Kind.DATE_DAYS:
            return days_to_date
        if kind is Kind.TIME_MILLIS:
            return millis_to_time
        if kind is Kind.TIME_MICROS:
            return micros_to_time
        if kind in _TIMESTAMPS:
            return timestamp_reader(kind, self.config.timezone)
        if kind is Kind.DURATION_MICROS:
            return _micros_to_interval
        if kind is Kind.VARIABLE_DECIMAL:
            return variable_decimal
        if kind is Kind.DOCUMENT:
            return to_json
        if kind is Kind.ARRAY:
            assert column.element is not None
            inner = self._value(column.element)
            if inner is None:
                return None
            return lambda items: [None if v is None else inner(v) for v in items]
        return None  # ints, floats, text, bytes, decimals, dates, and the texts the server parses

    def fault(self, exc: BaseException) -> Fault | None:
        if not isinstance(exc, psycopg.Error):
            return None
        state = getattr(exc, "sqlstate", None) or ""
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not state:
            if any(s in str(exc) for s in _REFUSALS):
                return Fault.FATAL  # the server answered and said no: a retry will not change that
            return Fault.RETRIABLE  # the connection is gone (or never came)
        if state.startswith(_RETRIABLE):
            return Fault.RETRIABLE
        if state in _SCHEMA:
            return Fault.SCHEMA
        if state.startswith(_DATA) or isinstance(exc, psycopg.DataError):
            return Fault.DATA
        if isinstance(exc, psycopg.ProgrammingError) and not state:  # a value psycopg cannot dump
            return Fault.DATA
        return Fault.FATAL

    def is_missing_privilege(self, exc: BaseException) -> bool:
        return isinstance(exc, pg_errors.InsufficientPrivilege)


def _identity(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row


class PostgresSession(Session):
    def __init__(self, dialect: PostgresDialect, conn: psycopg.Connection) -> None:
        self.dialect = dialect
        self.conn = conn
        self._stages: dict[tuple[TableId, tuple[str, ...]], str] = {}
        self._used: set[str] = set()  # stages holding rows in the current transaction
        self._savepoint = 0
        self._made = 0  # stages made on this connection (names are never reused)

    # -- catalog ----------------------------------------------------------------------------
    def describe(self, table: TableId) -> TableInfo | None:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = %s AND c.relkind IN ('r', 'p') AND "
                "(n.nspname = %s OR (%s::text IS NULL AND n.nspname = ANY (current_schemas(false)))) "
                "ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1",
                (self._folded(table.name), self._folded(table.schema), table.schema),
            )
            found = cur.fetchone()
            if found is None:
                self.conn.rollback()
                return None
            cur.execute(
                "SELECT a.attname, a.attnotnull AND NOT a.atthasdef, "
                "coalesce(a.attnum = ANY (i.indkey), false) FROM pg_attribute a "
                "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
                "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                (found[0],),
            )
            rows = cur.fetchall()
        self.conn.rollback()  # end the catalog read's transaction
        normalize = self.dialect.normalize
        return TableInfo(
            table,
            {normalize(name): name for name, _, _ in rows},
            tuple(name for name, _, is_key in rows if is_key),
            frozenset(name for name, required, _ in rows if required),
        )

    def _folded(self, name: str | None) -> str | None:
        return name if name is None or self.dialect.quoting else name.lower()

    def execute_ddl(self, sql: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(sql)
        self.conn.commit()
        self._stages.clear()  # a stage copies the table's columns: make new ones after a change

    # -- transactions -----------------------------------------------------------------------
    def begin(self) -> None:
        self._used.clear()

    def commit(self) -> None:
        self.conn.commit()
        self._used.clear()

    def rollback(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
        self._used.clear()
        self._stages.clear()  # stages created in the rolled back transaction are gone

    def savepoint(self) -> None:
        self._savepoint += 1
        self.conn.execute(f"SAVEPOINT s{self._savepoint}")

    def rollback_to_savepoint(self) -> None:
        self.conn.execute(f"ROLLBACK TO SAVEPOINT s{self._savepoint}")
        self._savepoint -= 1
        self._stages.clear()  # those made after the savepoint are gone; older ones are left unused

    def release_savepoint(self) -> None:
        self.conn.execute(f"RELEASE SAVEPOINT s{self._savepoint}")
        self._savepoint -= 1

    # -- writes -----------------------------------------------------------------------------
    def write(self, write: Write) -> None:
        d = self.dialect
        names = [d.quote(c.name) for c in write.columns]
        target = d.table_sql(write.table)
        with self.conn.cursor() as cur:
            if write.op is Op.INSERT:
                self._copy(cur, f"{target} ({', '.join(names)})", write.rows)
                return
            stage = self._stage(cur, write.table, names)
            self._copy(cur, stage, write.rows)
            merge = self._merge_sql(write, target, stage, names)
            if merge:  # an UPDATE of key columns only has nothing to set
                cur.execute(merge)

    def _copy(self, cur: psycopg.Cursor, into: str, rows: Sequence[Any]) -> None:
        with cur.copy(f"COPY {into} FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def _stage(self, cur: psycopg.Cursor, table: TableId, names: list[str]) -> str:
        """A temporary table with the written columns' types, emptied at each commit."""
        key = (table, tuple(names))
        stage = self._stages.get(key)
        if stage is None:
            self._made += 1
            stage = f"sluice_stage_{self._made}"
            cur.execute(
                f"CREATE TEMP TABLE {stage} ON COMMIT DELETE ROWS AS "
                f"SELECT {', '.join(names)} FROM {self.dialect.table_sql(table)} WITH NO DATA"
            )
            self._stages[key] = stage
        elif stage in self._used:
            cur.execute(f"TRUNCATE {stage}")
        self._used.add(stage)
        return stage

    def _merge_sql(self, write: Write, target: str, stage: str, names: list[str]) -> str:
        q = self.dialect.quote
        keys = [q(k) for k in write.key]
        match = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        guard = q(write.guard) if write.guard else None
        rest = [n for n in names if n not in keys]
        if write.op is Op.UPSERT:
            sql = f"INSERT INTO {target} AS t ({', '.join(names)}) SELECT {', '.join(names)} FROM {stage} "
            if not rest:
                return sql + f"ON CONFLICT ({', '.join(keys)}) DO NOTHING"
            sql += f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET " + ", ".join(f"{n} = EXCLUDED.{n}" for n in rest)
            return sql + (f" WHERE t.{guard} IS NULL OR t.{guard} <= EXCLUDED.{guard}" if guard else "")
        fence = f" AND (t.{guard} IS NULL OR t.{guard} <= s.{guard})" if guard else ""
        if write.op is Op.UPDATE:
            sets = ", ".join(f"{n} = s.{n}" for n in rest)
            return f"UPDATE {target} AS t SET {sets} FROM {stage} AS s WHERE {match}{fence}" if rest else ""
        return f"DELETE FROM {target} AS t USING {stage} AS s WHERE {match}{fence}"

    def truncate(self, table: TableId) -> None:
        self.conn.execute(f"TRUNCATE {self.dialect.table_sql(table)}")

    def missing_privileges(self, needed: set[str], tables: list[TableId]) -> list[str]:
        problems = []
        with self.conn.cursor() as cur:
            if "CREATE" in needed:
                cur.execute("SELECT current_schema(), has_schema_privilege(current_schema(), 'CREATE')")
                schema, allowed = cur.fetchone() or (None, False)
                if not allowed:
                    problems.append(f"no CREATE privilege on schema {schema} (auto.create needs it)")
        self.conn.rollback()
        for table in tables:
            if self.describe(table) is None:
                continue
            with self.conn.cursor() as cur:
                for privilege in sorted(needed & {"INSERT", "UPDATE", "DELETE", "TRUNCATE"}):
                    cur.execute("SELECT has_table_privilege(%s, %s)", (self.dialect.table_sql(table), privilege))
                    found = cur.fetchone()
                    if found is None or not found[0]:
                        problems.append(f"no {privilege} privilege on table {table}")
            self.conn.rollback()
        return problems

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.conn.close()
