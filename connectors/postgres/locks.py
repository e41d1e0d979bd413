"""snapshot.locking.mode=shared: each snapshot reader locks its tables IN ACCESS SHARE MODE until it has read them.

Why. A table rewrite (ALTER TABLE ... TYPE, VACUUM FULL, CLUSTER, some ADD COLUMN ... DEFAULT) is not MVCC-safe:
a transaction whose snapshot predates it sees the rewritten table empty. The snapshot reads in the slot's
exported snapshot, so a table rewritten after the slot was created and before it is read is read empty, and the
stream does not replay a rewrite: its rows never arrive. A rewrite needs ACCESS EXCLUSIVE, which waits for an
ACCESS SHARE lock; writes do not.

Who holds the locks, and when. Each reader's own reading transaction, not a separate locking session: a
rewrite waiting for a lock queues ahead of every later request that conflicts with it, so a reader whose COPY
asked for its table's lock after a rewrite queued behind another session's lock would wait for that session,
which waits for the snapshot: a hang. A lock the reader's own transaction already holds is granted again
without queueing. So every reader, as its transaction begins (before its first row is read), locks every table
it will read, and releases each one as soon as that table is read (one savepoint per table, taken in reverse
reading order, so rolling back to a table's savepoint releases that table only). With `snapshot.max.threads` > 1
the tables are dealt to the readers up front (round robin in name order) instead of taken from a shared queue,
so no two readers lock the same table: two of them would have the same hazard among themselves.

The window, and how it is closed. The locks can only be taken once the slot exists (the transaction must
import its exported snapshot, and locks held while the slot is created could stall its creation behind a
writing transaction that waits for them), so a rewrite may commit between the slot's snapshot and the locks
(the time it takes to start reading). The reader tells: after locking, it compares each table's file node as
its snapshot sees it with the current one. When one differs, that table was rewritten in the window, and the
reader starts over in a fresh REPEATABLE READ snapshot taken after its locks are granted, which sees the
rewritten rows. That is safe for the same reason as a snapshot resumed after an outage (snapshot.py): the
stream replays every change committed after the slot's consistent point, so keyed consumers converge. A
resumed snapshot (no exported snapshot) locks first and then takes its fresh snapshot: no window at all.

A lock not granted within `snapshot.lock.timeout.ms` fails the task, naming the table and the session that
holds or awaits ACCESS EXCLUSIVE on it, as Debezium aborts its snapshot. Debezium takes its locks in its main
snapshot transaction right after creating the slot and holds them until the whole snapshot is read, without
detecting the window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import psycopg
from psycopg import errors, sql

from connect.errors import ConnectException
from connectors.postgres.catalog import TableInfo

log = logging.getLogger(__name__)

_BLOCKERS = """
SELECT l.pid, l.granted, a.state, a.query
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.relation = %s AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()
ORDER BY l.granted DESC, l.pid
"""

_REWRITTEN = """
SELECT c.oid FROM pg_class c WHERE c.oid = ANY(%s) AND c.relfilenode <> pg_relation_filenode(c.oid)
"""


class TableLocks:
    """One reader's REPEATABLE READ transaction, with `tables` locked IN ACCESS SHARE MODE, each until it is read."""

    def __init__(self, conn: psycopg.Connection, tables: Sequence[TableInfo], timeout_ms: int) -> None:
        self._conn = conn
        self._tables = tables
        self._timeout_ms = timeout_ms

    def begin(self, snapshot_name: str | None) -> None:
        """Open the transaction and take the locks: in the exported snapshot `snapshot_name`, unless one of the
        tables was rewritten since it was taken; then (and when there is none) in a fresh snapshot."""
        if snapshot_name is not None:
            self._open(snapshot_name)
            rewritten = self._rewritten()
            if not rewritten:
                return
            log.warning(
                "%s rewritten after the slot's snapshot was taken and before it was locked: read in a fresh snapshot "
                "(the stream replays every change since the slot's consistent point)",
                ", ".join(rewritten),
            )
            self._conn.execute("ROLLBACK")
        self._open(None)

    def release(self, index: int) -> None:
        """The table at `index` (of the tables, read in their order) has been read: let a rewrite of it go ahead."""
        self._conn.execute(sql.SQL("ROLLBACK TO SAVEPOINT {}").format(sql.Identifier(f"table_{index}")))

    def _open(self, snapshot_name: str | None) -> None:
        conn = self._conn
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if snapshot_name is not None:
            conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_name)))
        # Neither SET, SAVEPOINT nor LOCK takes the transaction's snapshot: without an exported one, it is taken
        # by the first query after the locks are granted, so it sees any rewrite that committed before them.
        conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(self._timeout_ms)))
        for index in reversed(range(len(self._tables))):
            info = self._tables[index]
            conn.execute(sql.SQL("SAVEPOINT {}").format(sql.Identifier(f"table_{index}")))
            try:
                conn.execute(
                    sql.SQL("LOCK TABLE {}.{} IN ACCESS SHARE MODE").format(
                        sql.Identifier(info.schema), sql.Identifier(info.name)
                    )
                )
            except errors.LockNotAvailable as exc:
                conn.execute("ROLLBACK")
                raise ConnectException(self._timed_out(info)) from exc

    def _rewritten(self) -> list[str]:
        """The tables whose file node changed since the transaction's snapshot: rewritten after it was taken."""
        by_oid = {info.oid: f"{info.schema}.{info.name}" for info in self._tables}
        rows = self._conn.execute(_REWRITTEN, (list(by_oid),)).fetchall()
        return [by_oid[oid] for (oid,) in rows]

    def _timed_out(self, info: TableInfo) -> str:
        blockers = [
            f"process {pid} {'holds' if granted else 'waits for'} ACCESS EXCLUSIVE on it ({state or 'unknown state'}: "
            f"{' '.join((query or '').split())[:160]})"
            for pid, granted, state, query in self._conn.execute(_BLOCKERS, (info.oid,)).fetchall()
        ]
        return (
            f"snapshot.locking.mode=shared: table {info.schema}.{info.name} could not be locked IN ACCESS SHARE MODE "
            f"within snapshot.lock.timeout.ms={self._timeout_ms}: "
            f"{'; '.join(blockers) or 'the session that held it has let go since'}. The snapshot stops, as "
            f"Debezium's does: restart the task once the table is free, or raise snapshot.lock.timeout.ms"
        )
