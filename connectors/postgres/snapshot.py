"""The initial snapshot: every captured table read with COPY inside the slot's exported snapshot.

Reader threads (up to `snapshot.max.threads`, one connection and one table at a time) run
`COPY (SELECT ...) TO STDOUT` in a REPEATABLE READ transaction set to the exported snapshot,
load rows with psycopg's C loaders and hand batches of records to poll() through a bounded
queue. Offsets are assigned on the poll side, in the order records leave, so a stored offset
lists exactly the tables whose every record was flushed before it.
"""

from __future__ import annotations

import logging
import queue
import select
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import pq, sql
from psycopg._copy_base import parse_row_text  # the C parser with psycopg[binary]
from psycopg.adapt import Transformer

from connect.data import SourceRecord
from connect.errors import ConnectException
from connectors.postgres.catalog import TableInfo
from connectors.postgres.events import EventBuilder
from connectors.postgres.offsets import snapshot_offset
from connectors.postgres.rows import TableReader

log = logging.getLogger(__name__)

_BATCH = 1024


class _Done(Exception):
    pass


def copy_out(
    conn: psycopg.Connection, query: bytes, loader_oids: Sequence[int], batch: int = 512
) -> Iterator[list[tuple[Any, ...]]]:
    """Run `COPY ... TO STDOUT` (text) and yield its rows, loaded by `loader_oids`, in batches.

    Straight from libpq with psycopg's C row parser: psycopg's Copy.rows() waits once per row
    in Python, while reading libpq's buffer until it is empty and only then waiting on the
    socket costs a fraction of that per row.
    """
    pg = conn.pgconn
    if not pg.send_query(query) and pg.error_message:
        raise psycopg.OperationalError(pg.get_error_message())
    while pg.is_busy():
        if not select.select([pg.socket], [], [], 0.2)[0]:
            yield []  # nothing yet: let the caller return to its own caller (poll stays under ~1 s)
        pg.consume_input()
    result = pg.get_result()
    if result is None or result.status != pq.ExecStatus.COPY_OUT:
        message = result.error_message.decode(errors="replace") if result is not None else "no result"
        while pg.get_result() is not None:
            pass
        raise psycopg.DatabaseError(f"COPY failed: {message.strip()}")
    tx = Transformer()
    tx.set_pgresult(result, set_loaders=False)
    tx.set_loader_types(loader_oids, pq.Format.TEXT)
    rows: list[tuple[Any, ...]] = []
    while True:
        n, data = pg.get_copy_data(1)
        if n > 0:
            rows.append(parse_row_text(data, tx))
            if len(rows) >= batch:
                yield rows
                rows = []
        elif n == 0:
            if rows:
                yield rows
                rows = []
            if not select.select([pg.socket], [], [], 0.2)[0]:
                yield []
            pg.consume_input()
        elif n == -1:
            break
        else:
            raise psycopg.OperationalError(pg.get_error_message())
    if rows:
        yield rows
    while (result := pg.get_result()) is not None:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise psycopg.DatabaseError(f"COPY failed: {result.error_message.decode(errors='replace').strip()}")


class Snapshot:
    """Reads `tables` at the snapshot `snapshot_name` (or a fresh REPEATABLE READ one when None)."""

    def __init__(
        self,
        *,
        conninfo: Mapping[str, Any],
        tables: Sequence[tuple[TableInfo, TableReader]],
        events: EventBuilder,
        lsn: int,
        xid: int | None,
        snapshot_name: str | None,
        threads: int,
        fetch_size: int,
        queue_size: int,
        tables_done: Sequence[str] = (),
        report: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._conninfo = conninfo
        self._events = events
        self._lsn = lsn
        self._xid = xid
        self._snapshot_name = snapshot_name
        self._fetch_size = fetch_size
        self._report = report or (lambda _: None)
        self._todo: queue.SimpleQueue[tuple[TableInfo, TableReader]] = queue.SimpleQueue()
        self._pending = [(info, reader) for info, reader in tables if reader.data_collection not in tables_done]
        for item in self._pending:
            self._todo.put(item)
        self._queue: queue.Queue[tuple[str, list[SourceRecord], bool] | BaseException] = queue.Queue(
            max(2, queue_size // _BATCH)
        )
        # One reader: read in poll's own thread (the work is CPU-bound, a second thread only adds GIL
        # hand-offs). More: reader threads, each with its own connection, feed a bounded queue.
        workers = min(threads, len(self._pending))
        self._threads = (
            [threading.Thread(target=self._work, name=f"pg-snapshot-{i}", daemon=True) for i in range(workers)]
            if workers > 1
            else []
        )
        self._inline: Iterator[tuple[str, list[SourceRecord], bool]] | None = (
            self._inline_batches() if workers == 1 else None
        )
        self._stop = threading.Event()
        self._done = list(tables_done)
        self._remaining = {reader.data_collection for _, reader in self._pending}
        self._ts_us = time.time_ns() // 1000
        self._offset = snapshot_offset(lsn, list(self._done), self._ts_us)
        self._first = True
        self.rows = 0
        self._started = time.monotonic()
        self.finished = not self._pending

    def start(self) -> None:
        for t in self._threads:
            t.start()
        self._status()

    # -- poll side ---------------------------------------------------------------------------
    def poll(self, max_records: int, timeout: float) -> list[SourceRecord]:
        """Up to about `max_records` records; [] when none arrived within `timeout`."""
        out: list[SourceRecord] = []
        deadline = time.monotonic() + timeout
        while not self.finished and len(out) < max_records:
            if self._inline is not None:
                try:
                    item = next(self._inline)
                except psycopg.Error as exc:
                    raise ConnectException(f"snapshot failed: {str(exc).strip()}") from exc
            else:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()) if not out else 0)
                except queue.Empty:
                    break
            if isinstance(item, BaseException):
                raise ConnectException(f"snapshot failed: {item}") from item
            table, records, last = item
            if not records and not last:
                if time.monotonic() >= deadline:
                    break
                continue
            offset = self._offset
            for r in records:
                r.source_offset = offset
            if records and self._first:
                self._first = False
                self._mark(records[0], "first")
            self.rows += len(records)
            if last:
                self._done.append(table)
                self._remaining.discard(table)
                self._offset = snapshot_offset(self._lsn, list(self._done), self._ts_us)
                if not self._remaining:
                    self.finished = True
                    if records:
                        records[-1].source_offset = snapshot_offset(self._lsn, self._done, self._ts_us, True)
                        self._mark(records[-1], "last")
                self._status()
            out.extend(records)
        return out

    @staticmethod
    def _mark(record: SourceRecord, value: str) -> None:
        # Records of a table share one source block; a marked record gets its own.
        envelope = dict(record.value)
        envelope["source"] = {**envelope["source"], "snapshot": value}
        record.value = envelope

    def _status(self) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self._report(
            {
                "snapshot": {
                    "running": not self.finished,
                    "tables_total": len(self._done) + len(self._remaining),
                    "tables_done": len(self._done),
                    "rows": self.rows,
                    "rows_per_second": round(self.rows / elapsed, 1),
                }
            }
        )

    def stop(self) -> None:
        self._stop.set()
        if self._inline is not None:
            self._inline.close()
        while True:  # unblock readers waiting on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        for t in self._threads:
            t.join(5)

    # -- readers -----------------------------------------------------------------------------
    def _inline_batches(self) -> Iterator[tuple[str, list[SourceRecord], bool]]:
        with psycopg.connect(**self._conninfo, autocommit=True) as conn:
            for info, reader in self._pending:
                yield from self._read_table(conn, info, reader)

    def _work(self) -> None:
        try:
            with psycopg.connect(**self._conninfo, autocommit=True) as conn:
                while not self._stop.is_set():
                    try:
                        info, reader = self._todo.get_nowait()
                    except queue.Empty:
                        return
                    for item in self._read_table(conn, info, reader):
                        self._put(item)
        except _Done:
            return
        except BaseException as exc:
            log.error("snapshot reader failed: %s", exc)
            self._put(exc)

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Done

    def _read_table(
        self, conn: psycopg.Connection, info: TableInfo, reader: TableReader
    ) -> Iterator[tuple[str, list[SourceRecord], bool]]:
        events = self._events
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            if self._snapshot_name:
                conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(self._snapshot_name)))
            source = events.source(
                ts_us=self._ts_us, snapshot="true", schema=info.schema, table=info.name, xid=self._xid, lsn=self._lsn
            )
            columns = sql.SQL(", ").join(sql.Identifier(n) for n in reader.names)
            query = sql.SQL("COPY (SELECT {} FROM {}.{}) TO STDOUT").format(
                columns, sql.Identifier(info.schema), sql.Identifier(info.name)
            )
            partition, topic = events.partition, reader.topic
            key_schema, envelope_schema = reader.schemas.key, reader.schemas.envelope
            convert, key_of = reader.convert, reader.key
            clock = events.clock
            batch: list[SourceRecord] = []
            single_key = reader.single_key
            first_in_table = True
            for loaded_rows in copy_out(conn, query.as_bytes(conn), reader.loader_oids):
                if not loaded_rows:
                    yield reader.data_collection, [], False  # waiting on the server
                    continue
                for loaded in loaded_rows:
                    row = convert(loaded)
                    key = {single_key: row[single_key]} if single_key is not None else key_of(row)
                    value = {
                        "before": None,
                        "after": row,
                        "source": source,
                        "transaction": None,
                        "op": "r",
                        "ts_ms": clock.ms,
                        "ts_us": clock.us,
                        "ts_ns": clock.ns,
                    }
                    batch.append(SourceRecord(partition, None, topic, None, key_schema, key, envelope_schema, value))
                if first_in_table and batch:
                    first_in_table = False
                    batch[0].value = {**batch[0].value, "source": {**source, "snapshot": "first_in_data_collection"}}
                if len(batch) > _BATCH:  # keep one back: the table's last record is marked
                    yield reader.data_collection, batch[:-1], False
                    batch = batch[-1:]
                    clock.tick()
                    if self._stop.is_set():
                        raise _Done
            if batch:
                last = batch[-1]
                last.value = {**last.value, "source": {**source, "snapshot": "last_in_data_collection"}}
            yield reader.data_collection, batch, True
            conn.execute("COMMIT")
        except BaseException:
            conn.close()  # mid-COPY: the connection cannot be reused
            raise
