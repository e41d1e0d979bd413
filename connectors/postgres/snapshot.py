"""The initial snapshot: every captured table read with COPY inside the slot's exported snapshot.

Reader threads (up to `snapshot.max.threads`, one connection and one table at a time) run
`COPY (SELECT ...) TO STDOUT` in a REPEATABLE READ transaction set to the exported snapshot, load
rows with psycopg's C loaders and hand batches of records to poll() through a bounded queue. A
table is read in its physical order (the order COPY always had, which e.g. the outbox preset's
per-aggregate order relies on) and cut into chunks of `snapshot.fetch.size` rows; each row comes
with its position (the table's file node and the row's ctid). Offsets are assigned on the poll
side, in the order records leave: they list the tables whose every record was flushed before them
and, per table being read, the position that ends its last complete chunk. So a stored offset says
exactly how far Kafka acknowledged the snapshot.

Table rewrites (ALTER TABLE ... TYPE, VACUUM FULL, CLUSTER) are not MVCC-safe: a table rewritten after the slot's
snapshot and before it is read is read empty, and the stream does not replay the rewrite (as in Debezium's default
snapshot.locking.mode=none). With snapshot.locking.mode=shared each reader reads its tables in one transaction that
locks them first (locks.py), and with several readers the tables are dealt to them up front.

Resuming an interrupted snapshot. A worker killed mid-snapshot resumes from the stored offset; an
outage of Postgres (a restart, the task's connections cut) interrupts the snapshot inside the running
task, which resumes after the last record poll returned once the server answers again (coordinator.py).
Either way the exported snapshot is gone (it lives only as long as the slot connection that exported it
stays idle), so the tables left, and the rest of each table being read after the position ending its
last chunk sent (`WHERE ctid > position`, a TID range scan), are read in a fresh REPEATABLE READ
snapshot (one per reader), taken after the slot's consistent point. Changes are not lost in between:
the slot is persistent (it survives its connection and a server restart), it is not confirmed past
its consistent point until the snapshot completed (a snapshot offset confirms nothing:
`ChangeStream.confirmable`), and streaming then starts at that point, so the stream replays every
change committed after it. A slot that is gone (a restored or failed-over server) means those changes
are gone too: the snapshot then starts over from a new slot.

What the resumed snapshot guarantees. A row no one changed since the consistent point kept its position,
so the resumed scan reads it exactly when the interrupted one had not sent its chunk. A row changed
since may have moved (an update writes the new version elsewhere), so the resumed scan may read it again
or miss it, as of the fresh snapshot; either way the stream replays every change to it since the
consistent point, with the row's new image. So each row's events end with its latest committed state,
and keyed consumers (upserts by key, compacted topics, our sinks) converge to the table: the argument of
Debezium's incremental snapshots, without their deduplication window, so a consumer may briefly see a
row go back to an older version before the replayed changes catch up. One limit, as for any update: a
TOASTed column an update left alone comes as the unavailable-value placeholder (unless REPLICA IDENTITY
FULL), and a row the resumed scan missed has no read event carrying the real value. Rows of chunks sent
before the interruption are not read again; at most the chunk in flight (`snapshot.fetch.size` rows per
table being read) is emitted twice. A table rewritten in between (VACUUM FULL, CLUSTER, ALTER TABLE ...
TYPE) has new positions: it is read again from its start.
"""

from __future__ import annotations

import logging
import queue
import select
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import errors, pq, sql
from psycopg._copy_base import parse_row_text  # the C parser with psycopg[binary]
from psycopg.adapt import Transformer

from connect.data import SourceRecord
from connect.errors import ConnectException
from connectors.postgres.catalog import TableInfo
from connectors.postgres.events import EventBuilder
from connectors.postgres.failures import FailurePolicy
from connectors.postgres.locks import TableLocks
from connectors.postgres.offsets import snapshot_offset
from connectors.postgres.rows import ConversionFailed, TableReader

log = logging.getLogger(__name__)

_BATCH = 1024


class _Done(Exception):
    pass


# (table, records, whether they end the table, the position ending the chunk whose last record they end with)
Item = tuple[str, list[SourceRecord], bool, list[str] | None]


def copy_out(
    conn: psycopg.Connection, query: bytes, loader_oids: Sequence[int], batch: int = 512
) -> Iterator[list[tuple[Any, ...]]]:
    """Run `COPY ... TO STDOUT` (text) and yield its rows, loaded by `loader_oids`, in batches.

    Straight from libpq with psycopg's C row parser: psycopg's Copy.rows() waits once per row
    in Python, while reading libpq's buffer until it is empty and only then waiting on the
    socket costs a fraction of that per row.
    """
    pg = conn.pgconn
    pg.send_query(query)
    if pg.error_message:
        raise psycopg.OperationalError(pg.get_error_message())
    while pg.is_busy():
        if not select.select([pg.socket], [], [], 0.2)[0]:
            yield []  # nothing yet: let the caller return to its own caller (poll stays under ~1 s)
        pg.consume_input()
    result = pg.get_result()
    if result is None or result.status != pq.ExecStatus.COPY_OUT:
        while pg.get_result() is not None:
            pass
        if result is None:
            raise psycopg.OperationalError("COPY failed: no result (the connection was lost)")
        raise errors.error_from_result(result, conn.info.encoding)  # keeps the SQLSTATE: outages are told apart
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
            raise errors.error_from_result(result, conn.info.encoding)


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
        resume_positions: Mapping[str, list[str]] | None = None,
        report: Callable[[dict[str, Any]], None] | None = None,
        failures: FailurePolicy | None = None,
        overrides: Mapping[str, str] | None = None,
        interruptions: int = 0,
        lock_timeout_ms: int | None = None,
    ) -> None:
        self._conninfo = conninfo
        self._overrides = overrides or {}  # snapshot.select.statement.overrides: schema.table → SELECT
        self._failures = failures or FailurePolicy()
        self._events = events
        self._lsn = lsn
        self._xid = xid
        self._snapshot_name = snapshot_name
        self._fetch_size = fetch_size
        self._lock_timeout_ms = lock_timeout_ms  # snapshot.locking.mode=shared (locks.py); None: no locks
        self._report = report or (lambda _: None)
        self._todo: queue.SimpleQueue[tuple[TableInfo, TableReader]] = queue.SimpleQueue()
        self._pending = [(info, reader) for info, reader in tables if reader.data_collection not in tables_done]
        for item in self._pending:
            self._todo.put(item)
        self._positions = {t: k for t, k in (resume_positions or {}).items() if t not in tables_done}
        self._resumed = dict(self._positions)
        self._interruptions = interruptions  # outages this task's snapshot resumed after
        self._queue: queue.Queue[Item | BaseException] = queue.Queue(max(2, queue_size // _BATCH))
        # One reader: read in poll's own thread (the work is CPU-bound, a second thread only adds GIL
        # hand-offs). More: reader threads, each with its own connection, feed a bounded queue.
        workers = min(threads, len(self._pending))
        self._threads = (
            [
                threading.Thread(
                    target=self._work, args=(self._share(i, workers),), name=f"pg-snapshot-{i}", daemon=True
                )
                for i in range(workers)
            ]
            if workers > 1
            else []
        )
        self._inline: Generator[Item] | None = self._inline_batches() if workers == 1 else None
        self._stop = threading.Event()
        self._done = list(tables_done)
        self._remaining = {reader.data_collection for _, reader in self._pending}
        self._ts_us = time.time_ns() // 1000
        self._offset = snapshot_offset(lsn, list(self._done), self._ts_us, positions=self._positions)
        self._first = True
        self._held: SourceRecord | None = None
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
        item: Item | BaseException
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
            table, records, last, chunk_end = item
            if not records and not last:
                if time.monotonic() >= deadline:
                    break
                continue
            offset = self._offset
            for r in records:
                r.source_offset = offset
            if chunk_end is not None and records:
                # The chunk's last record carries the offset that resumes after the chunk.
                self._positions[table] = chunk_end
                self._offset = snapshot_offset(self._lsn, list(self._done), self._ts_us, positions=self._positions)
                records[-1].source_offset = self._offset
            if records and self._first:
                self._first = False
                self._mark(records[0], "first")
            self.rows += len(records)
            if last:
                self._done.append(table)
                self._remaining.discard(table)
                self._positions.pop(table, None)
                self._offset = snapshot_offset(self._lsn, list(self._done), self._ts_us, positions=self._positions)
                if not self._remaining:
                    self.finished = True
                self._status()
            if records:
                # The newest record is held back: only the snapshot's very last one is marked `last`, and
                # the tables read after it may turn out empty (as Debezium's buffered receiver does).
                if self._held is not None:
                    out.append(self._held)
                out.extend(records[:-1])
                self._held = records[-1]
        if self.finished and self._held is not None:
            self._held.source_offset = snapshot_offset(self._lsn, self._done, self._ts_us, True)
            self._mark(self._held, "last")
            out.append(self._held)
            self._held = None
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
                    **({"resumed_after": self._resumed} if self._resumed else {}),
                    **({"resumed_after_outages": self._interruptions} if self._interruptions else {}),
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
    def _share(self, index: int, workers: int) -> Iterator[tuple[TableInfo, TableReader]]:
        """The tables reader `index` reads: taken from the shared queue; dealt up front when it locks them
        (no two readers may lock the same table: locks.py)."""
        if self._lock_timeout_ms is not None:
            return iter(self._pending[index::workers])
        return self._from_queue()

    def _from_queue(self) -> Iterator[tuple[TableInfo, TableReader]]:
        while not self._stop.is_set():
            try:
                yield self._todo.get_nowait()
            except queue.Empty:
                return

    def _inline_batches(self) -> Generator[Item]:
        with psycopg.connect(**self._conninfo, autocommit=True) as conn:
            yield from self._read_tables(conn, iter(self._pending))

    def _work(self, tables: Iterator[tuple[TableInfo, TableReader]]) -> None:
        try:
            with psycopg.connect(**self._conninfo, autocommit=True) as conn:
                for item in self._read_tables(conn, tables):
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

    def _read_tables(self, conn: psycopg.Connection, tables: Iterator[tuple[TableInfo, TableReader]]) -> Iterator[Item]:
        """Read `tables` in order: each in its own transaction, or (shared locks) all in one that locks them first."""
        if self._lock_timeout_ms is None:
            for info, reader in tables:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                if self._snapshot_name:
                    conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(self._snapshot_name)))
                yield from self._read_table(conn, info, reader)
                conn.execute("COMMIT")
            return
        chosen = list(tables)
        locks = TableLocks(conn, [info for info, _ in chosen], self._lock_timeout_ms)
        locks.begin(self._snapshot_name)
        for index, (info, reader) in enumerate(chosen):
            yield from self._read_table(conn, info, reader)
            locks.release(index)
        conn.execute("COMMIT")

    def _read_table(self, conn: psycopg.Connection, info: TableInfo, reader: TableReader) -> Iterator[Item]:
        """Read one table in the transaction open on `conn`."""
        events = self._events
        table = reader.data_collection
        try:
            xid = self._xid
            if xid is None:  # the snapshot's transaction horizon stands for its id, as Debezium's txId does
                xid = conn.execute("SELECT txid_snapshot_xmin(txid_current_snapshot())").fetchone()[0]  # type: ignore[index]
            source = events.source(
                ts_us=self._ts_us, snapshot="true", schema=info.schema, table=info.name, xid=xid, lsn=self._lsn
            )
            source["sequence"] = f'[null,"{self._lsn}"]'
            override = self._overrides.get(table)
            if override is None:
                query, oids = self._query(conn, info, reader, self._positions.get(table))
                fetch = self._fetch_size
            else:  # the user's SELECT, its columns taken by name: no positions, so read whole on a resume
                query, oids = self._override_query(conn, reader, override), reader.loader_oids
                fetch = 0
            width = len(reader.names)
            partition, topic = events.partition, reader.topic
            key_schema, envelope_schema = reader.schemas.key, reader.schemas.envelope
            convert, key_of = reader.convert, reader.key
            clock = events.clock
            headers = events.headers
            batch: list[SourceRecord] = []
            single_key = reader.single_key
            first_in_table = True
            in_chunk = 0
            chunk_end: list[str] | None = None  # set by a chunk's last row, sent with it once a next row shows
            for loaded_rows in copy_out(conn, query, oids, min(fetch or 512, 512)):
                if not loaded_rows:
                    yield table, [], False, None  # waiting on the server
                    continue
                for loaded in loaded_rows:
                    if chunk_end is not None:  # the previous row closed a chunk and was not the table's last
                        yield table, batch, False, chunk_end
                        batch, chunk_end = [], None
                        clock.tick()
                        if self._stop.is_set():
                            raise _Done
                    in_chunk += 1
                    if in_chunk == fetch:
                        in_chunk, chunk_end = 0, list(loaded[width:])
                    try:
                        row = convert(loaded[:width])
                    except ConversionFailed as failed:
                        repaired = self._failures.row(failed, f"the snapshot of {table}")
                        if repaired is None:
                            continue  # skipped: its position still ends a chunk
                        row = repaired
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
                    batch.append(
                        SourceRecord(
                            partition, None, topic, None, key_schema, key, envelope_schema, value, None, headers
                        )
                    )
                    if first_in_table:
                        first_in_table = False
                        batch[-1].value = {**value, "source": {**source, "snapshot": "first_in_data_collection"}}
                if len(batch) > _BATCH and chunk_end is None:  # keep one back: the table's last record is marked
                    yield table, batch[:-1], False, None
                    batch = batch[-1:]
                    clock.tick()
                    if self._stop.is_set():
                        raise _Done
            if batch:
                last = batch[-1]
                last.value = {**last.value, "source": {**source, "snapshot": "last_in_data_collection"}}
            yield table, batch, True, None
        except BaseException:
            conn.close()  # mid-COPY: the connection cannot be reused
            raise

    @staticmethod
    def _query(
        conn: psycopg.Connection, info: TableInfo, reader: TableReader, after: list[str] | None
    ) -> tuple[bytes, list[int]]:
        """The COPY of a table in its physical order (after position `after` on resume), each row followed by its
        position: the table's file node and the row's ctid, as text."""
        node = str(conn.execute("SELECT pg_relation_filenode(%s)", (info.oid,)).fetchone()[0])  # type: ignore[index]
        # A scan joining another one already under way would start mid-table: positions must only grow.
        conn.execute("SET LOCAL synchronize_seqscans = off")
        where: sql.Composable = sql.SQL("")
        if after and after[0] == node:
            where = sql.SQL(" WHERE ctid > {}::tid").format(sql.Literal(after[1]))
        elif after:
            log.warning("%s was rewritten since its snapshot began (VACUUM FULL?): it is read again", info.name)
        query = sql.SQL("COPY (SELECT {}, {}, ctid::text FROM {}.{}{}) TO STDOUT").format(
            sql.SQL(", ").join(sql.Identifier(n) for n in reader.names),
            sql.Literal(node),
            sql.Identifier(info.schema),
            sql.Identifier(info.name),
            where,
        )
        return query.as_bytes(conn), [*reader.loader_oids, 25, 25]

    @staticmethod
    def _override_query(conn: psycopg.Connection, reader: TableReader, select: str) -> bytes:
        """The COPY of a table through its `snapshot.select.statement.overrides` SELECT."""
        query = sql.SQL("COPY (SELECT {} FROM ({}) AS snapshot_override) TO STDOUT").format(
            sql.SQL(", ").join(sql.Identifier(n) for n in reader.names),
            sql.SQL(select),  # type: ignore[arg-type]
        )
        return query.as_bytes(conn)
