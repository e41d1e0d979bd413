"""Pruning published outbox rows: which rows Kafka acknowledged (by committed offset), and their deletion."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

#: Longest time one pruning round may take from the task thread (poll must stay responsive).
ROUND_BUDGET_S = 0.5


class PublishedRows:
    """Ids of the rows each returned poll published, released when the offset closing that poll is committed.

    The runtime commits, per source partition, the offset of the last record of the newest poll whose
    records (and all before them) Kafka acknowledged: that offset object is the marker of a poll here.
    """

    def __init__(self) -> None:
        self._polls: deque[tuple[Mapping[str, Any], list[Any]]] = deque()

    def __len__(self) -> int:
        return sum(len(ids) for _, ids in self._polls)

    def emitted(self, last_offset: Mapping[str, Any] | None, ids: list[Any]) -> None:
        if last_offset is not None:
            self._polls.append((last_offset, ids))

    def committed(self, offset: Mapping[str, Any]) -> list[Any]:
        """The ids of every poll up to the one closed by `offset`; none when no poll is closed by it."""
        through = next((i for i, (o, _) in enumerate(self._polls) if o is offset), None)
        if through is None:  # an offset read back from storage rather than the one returned
            through = next((i for i, (o, _) in enumerate(self._polls) if o == offset), None)
        if through is None:
            return []
        released: list[Any] = []
        for _ in range(through + 1):
            released.extend(self._polls.popleft()[1])
        return released


class Pruner:
    """Deletes released rows in bounded batches, each its own short transaction."""

    def __init__(
        self, conninfo: Mapping[str, Any], schema: str, table: str, id_column: str, batch_size: int, interval_ms: int
    ) -> None:
        self._conninfo = dict(conninfo)
        self._table = sql.Identifier(schema, table)
        self._name = (schema, table, id_column)
        self._id = sql.Identifier(id_column)
        self._batch = batch_size
        self._interval = interval_ms / 1000
        self._next = 0.0
        self._pending: deque[str] = deque()
        self._conn: psycopg.Connection | None = None
        self._statement: sql.Composed | None = None
        self.deleted = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def release(self, ids: list[Any]) -> None:
        self._pending.extend(str(i) for i in ids)  # text, cast to the id column's type by the statement

    def run(self) -> int:
        """One round (when due): delete pending rows, batch by batch, within the round's time budget."""
        now = time.monotonic()
        if not self._pending or now < self._next:
            return 0
        self._next = now + self._interval
        deadline = now + ROUND_BUDGET_S
        deleted = 0
        try:
            conn = self._connection()
            while self._pending and time.monotonic() < deadline:
                batch = [self._pending[i] for i in range(min(self._batch, len(self._pending)))]
                cursor = conn.execute(self._delete(conn), (batch,))
                for _ in batch:
                    self._pending.popleft()  # only once the DELETE committed (autocommit)
                deleted += cursor.rowcount
        except psycopg.Error as exc:
            log.warning(
                "pruning outbox table %s.%s failed (%s); retrying in the next round", *self._name[:2], str(exc).strip()
            )
            self.close()
        self.deleted += deleted
        return deleted

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(**self._conninfo, autocommit=True)
        return self._conn

    def _delete(self, conn: psycopg.Connection) -> sql.Composed:
        if self._statement is None:
            schema, table, column = self._name
            row = conn.execute(
                "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = "
                "a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s "
                "AND a.attname = %s",
                (schema, table, column),
            ).fetchone()
            if row is None:
                raise psycopg.ProgrammingError(f"no column {column} in {schema}.{table}")
            # format_type yields a valid SQL type name (e.g. `uuid`, `character varying(64)`).
            self._statement = sql.SQL("DELETE FROM {} WHERE {} = ANY(%s::{}[])").format(
                self._table, self._id, sql.SQL(row[0])
            )
        return self._statement

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
