"""Ad-hoc incremental snapshots through the signal table, chunked by primary key between watermarks.

A user inserts `('<id>', 'execute-snapshot', '{"data-collections": ["public.orders"]}')` into
`signal.data.collection`. When the stream delivers that row, each listed table is read in
primary-key chunks (DBLog's algorithm, as Debezium): a low watermark row is written to the
signal table, the chunk is read, a high watermark row is written. Between the two watermarks
in the stream, every change to a key of the chunk drops that key from it (the change is
newer); at the high watermark the rest of the chunk is emitted as `op: r` events with
`source.snapshot = incremental`. The progress (tables left, last key) rides in the offsets,
so a restarted task continues with the chunk that was open.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import psycopg
from psycopg import sql

from connectors.postgres.catalog import Catalog, TableInfo
from connectors.postgres.pgoutput import Relation
from connectors.postgres.rows import ColumnDef, TableReader
from connectors.postgres.snapshot import copy_out
from connectors.postgres.tables import Tables
from connectors.postgres.types import TypeModes

log = logging.getLogger(__name__)

OPEN, CLOSE, EXECUTE = "snapshot-window-open", "snapshot-window-close", "execute-snapshot"


class IncrementalSnapshots:
    """Reacts to signal rows seen in the stream; `window` names the table whose chunk is open."""

    def __init__(
        self,
        conn: psycopg.Connection,
        signal_table: str,
        tables: Tables,
        catalog: Catalog,
        chunk_size: int,
        report: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._conn = conn
        schema, _, name = signal_table.partition(".")
        self.signal_schema, self.signal_name = (schema, name) if name else ("public", schema)
        self._tables = tables
        self._catalog = catalog
        self._chunk_size = chunk_size
        self._report = report or (lambda _: None)
        self.state: dict[str, Any] | None = None  # what rides in offsets while a snapshot runs
        self.window: str | None = None  # data collection whose chunk is between watermarks
        self._window_id: str | None = None
        self._chunk: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._chunk_reader: TableReader | None = None
        self._pending: dict[str, Any] = {}
        self._rows = 0

    # -- wiring ------------------------------------------------------------------------------
    def use(self, conn: psycopg.Connection) -> None:
        """Read chunks and write watermarks through `conn` from now on (the task reconnected)."""
        self._conn = conn

    def is_signal_table(self, rel: Relation) -> bool:
        return rel.namespace == self.signal_schema and rel.name == self.signal_name

    def signal_reader(self, rel: Relation) -> TableReader:
        columns = [ColumnDef(c.name, c.type_oid, c.typmod, True) for c in rel.columns]
        return TableReader(rel.namespace, rel.name, "", columns, (), TypeModes(), self._catalog.type)

    def resume(self, state: Mapping[str, Any] | None) -> None:
        """Continue a snapshot a previous run left open (its open chunk is read again)."""
        if state and state.get("collections"):
            self.state = dict(state)
            log.info("resuming the incremental snapshot of %s", self.state["collections"])
            self._next_chunk()

    # -- the stream calls these ------------------------------------------------------------
    def on_signal(self, row: Mapping[str, Any]) -> list[tuple[TableReader, dict[str, Any]]]:
        """A row inserted into the signal table; returns the chunk rows to emit (at a window's close)."""
        kind, sid = row.get("type"), row.get("id")
        if kind == EXECUTE:
            self._execute(row.get("data"))
            return []
        if kind == OPEN and sid == f"{self._window_id}-open" and self.state is not None:
            self.window = self.state["current"]
            return []
        if kind == CLOSE and sid == f"{self._window_id}-close" and self._chunk_reader is not None:
            reader, rows = self._chunk_reader, list(self._chunk.values())
            self.window, self._chunk, self._chunk_reader = None, {}, None
            self._rows += len(rows)
            self.state = self._pending  # the emitted chunk is done: offsets carry the progress past it
            self._next_chunk()
            return [(reader, r) for r in rows]
        return []

    def changed(self, key: Mapping[str, Any] | None) -> None:
        """A streamed change to the open window's table: its key's chunk row is stale."""
        if key is not None and self._chunk:
            self._chunk.pop(tuple(key.values()), None)

    # -- chunks -------------------------------------------------------------------------------
    def _execute(self, data: Any) -> None:
        try:
            spec = orjson.loads(data) if isinstance(data, str) else dict(data or {})
            collections = [str(c) for c in spec.get("data-collections", [])]
        except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
            log.error("ignoring an execute-snapshot signal with unreadable data %r: %s", data, exc)
            return
        if spec.get("type", "incremental").lower() != "incremental":
            log.error("ignoring an execute-snapshot signal of type %s: only incremental is supported", spec["type"])
            return
        if self.state is not None:  # one running: queue the new tables behind it
            queued = list(self.state["collections"])
            queued += [c for c in collections if c not in queued]
            self.state = {**self.state, "collections": queued}
            self._pending = {**self._pending, "collections": queued}
            return
        self.state = {
            "collections": collections,
            "current": collections[0] if collections else None,
            "last_key": None,
            "max_key": None,
            "last_chunk": False,
        }
        self._next_chunk()

    def _next_chunk(self) -> None:
        """Open the next chunk's window (or finish); `state` moves only when a chunk was emitted."""
        state = self.state
        while state and state["collections"]:
            if state.get("last_chunk"):
                state = self._table_done(state)
                continue
            name = state["collections"][0]
            info, reader = self._table(name)
            if info is None or reader is None or not reader.key_names:
                log.error("incremental snapshot: skipping %s (not captured, missing, or without a primary key)", name)
                state = self._table_done(state)
                continue
            if state.get("max_key") is None:
                state = {**state, "current": name, "max_key": self._max_key(info, reader)}
                if state["max_key"] is None:  # an empty table
                    state = self._table_done(state)
                    continue
            self.state = state
            self._window_id = uuid.uuid4().hex
            self._signal(f"{self._window_id}-open", OPEN)
            rows, last_key = self._read_chunk(info, reader, state)
            self._signal(f"{self._window_id}-close", CLOSE)
            self._chunk = {tuple(r[k] for k in reader.key_fields): r for r in rows}
            self._chunk_reader = reader
            self._pending = {
                **state,
                "last_key": last_key or state.get("last_key"),
                "last_chunk": len(rows) < self._chunk_size,
            }
            self._report({"incremental_snapshot": {"table": name, "rows": self._rows}})
            return
        if self.state is not None:
            log.info("incremental snapshot finished (%d rows)", self._rows)
            self._report({"incremental_snapshot": {"finished": True, "rows": self._rows}})
        self.state = None

    @staticmethod
    def _table_done(state: dict[str, Any]) -> dict[str, Any]:
        rest = state["collections"][1:]
        return {
            "collections": rest,
            "current": rest[0] if rest else None,
            "last_key": None,
            "max_key": None,
            "last_chunk": False,
        }

    def _table(self, name: str) -> tuple[TableInfo | None, TableReader | None]:
        schema, _, table = name.partition(".")
        info = self._catalog.table_by_name(schema, table) if table else None
        return info, self._tables.for_table(info) if info is not None else None

    def _key_types(self, info: TableInfo, reader: TableReader) -> list[str]:
        rows = self._conn.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = %s",
            (info.oid,),
        ).fetchall()
        types: dict[str, str] = dict(rows)
        return [types[k] for k in reader.key_names]

    def _max_key(self, info: TableInfo, reader: TableReader) -> list[str] | None:
        keys = [sql.Identifier(k) for k in reader.key_names]
        query = sql.SQL("SELECT {} FROM {}.{} ORDER BY {} LIMIT 1").format(
            sql.SQL(", ").join(
                sql.SQL("{}::text AS {}").format(k, sql.Identifier(f"_key{i}")) for i, k in enumerate(keys)
            ),
            sql.Identifier(info.schema),
            sql.Identifier(info.name),
            sql.SQL(", ").join(sql.SQL("{} DESC").format(k) for k in keys),
        )
        row = self._conn.execute(query).fetchone()
        return None if row is None else list(row)

    def _read_chunk(
        self, info: TableInfo, reader: TableReader, state: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], list[str] | None]:
        keys = sql.SQL(", ").join(sql.Identifier(k) for k in reader.key_names)
        types = self._key_types(info, reader)

        def literal(values: list[str]) -> sql.Composable:
            return sql.SQL(", ").join(
                sql.SQL("{}::{}").format(sql.Literal(v), sql.SQL(t)) for v, t in zip(values, types, strict=True)
            )

        where = [sql.SQL("({}) <= ({})").format(keys, literal(state["max_key"]))]
        if state.get("last_key") is not None:
            where.append(sql.SQL("({}) > ({})").format(keys, literal(state["last_key"])))
        text_keys = sql.SQL(", ").join(
            sql.SQL("{}::text AS {}").format(sql.Identifier(k), sql.Identifier(f"_key{i}"))
            for i, k in enumerate(reader.key_names)
        )
        query = sql.SQL("COPY (SELECT {}, {} FROM {}.{} WHERE {} ORDER BY {} LIMIT {}) TO STDOUT").format(
            sql.SQL(", ").join(sql.Identifier(n) for n in reader.names),
            text_keys,
            sql.Identifier(info.schema),
            sql.Identifier(info.name),
            sql.SQL(" AND ").join(where),
            keys,
            sql.Literal(self._chunk_size),
        )
        width = len(reader.names)
        rows: list[dict[str, Any]] = []
        last_key: list[str] | None = None
        oids = [*reader.loader_oids, *([25] * len(reader.key_names))]
        for batch in copy_out(self._conn, query.as_bytes(self._conn), oids):
            for loaded in batch:
                rows.append(reader.convert(loaded[:width]))
                last_key = list(loaded[width:])
        return rows, last_key

    def _signal(self, sid: str, kind: str) -> None:
        self._conn.execute(
            sql.SQL("INSERT INTO {}.{} (id, type, data) VALUES (%s, %s, NULL)").format(
                sql.Identifier(self.signal_schema), sql.Identifier(self.signal_name)
            ),
            (sid, kind),
        )
