"""The streaming replication protocol over a psycopg `replication="database"` connection.

`START_REPLICATION` puts the connection in COPY_BOTH; the stream is then driven at the
libpq level: `get_copy_data(async_)` for XLogData and keepalives, `put_copy_data` for
standby status updates carrying the confirmed flush LSN. A lock guards the connection so a
keeper thread can answer the server while poll() is not being called (e.g. the task is paused).
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Mapping
from struct import Struct
from typing import Any

import psycopg
from psycopg import pq, sql

from connectors.postgres.offsets import format_lsn, parse_lsn
from connectors.postgres.pgoutput import PG_EPOCH_OFFSET_US

log = logging.getLogger(__name__)

_XLOG_HEADER = Struct(">qqq")  # wal_start, wal_end, send_time
_KEEPALIVE = Struct(">qqB")  # wal_end, send_time, reply_requested
_STATUS = Struct(">cqqqqB")  # 'r', write, flush, apply, time, reply


class ReplicationError(Exception):
    """The server ended or broke the replication stream."""


def _now_pg_us() -> int:
    return time.time_ns() // 1000 - PG_EPOCH_OFFSET_US


class ReplicationConnection:
    """One replication connection: slot commands, then one logical stream."""

    def __init__(self, conninfo: Mapping[str, Any]) -> None:
        self.conn = psycopg.connect(**conninfo, replication="database", autocommit=True)
        self.pgconn = self.conn.pgconn
        self._lock = threading.Lock()
        self.received_lsn = 0  # highest WAL position received (XLogData end or keepalive)
        self.keepalive_lsn = 0  # what the last keepalive said the server had sent
        self.flushed_lsn = 0  # what the server may consider flushed (set by the task)
        self._sent_flush = -1
        self._last_status = 0.0
        self.status_interval = 10.0
        self._keeper: threading.Thread | None = None
        self._closed = threading.Event()

    # -- commands (before streaming) --------------------------------------------------------
    def server_version(self) -> int:
        return self.pgconn.server_version

    def create_slot(self, name: str, export_snapshot: bool) -> tuple[int, str | None]:
        """Create a pgoutput slot; (consistent point, exported snapshot name or None)."""
        if self.server_version() >= 150000:
            mode = "export" if export_snapshot else "nothing"
            query = sql.SQL("CREATE_REPLICATION_SLOT {} LOGICAL pgoutput (SNAPSHOT {})").format(
                sql.Identifier(name), sql.Literal(mode)
            )
        else:
            query = sql.SQL("CREATE_REPLICATION_SLOT {} LOGICAL pgoutput {}").format(
                sql.Identifier(name), sql.SQL("EXPORT_SNAPSHOT" if export_snapshot else "NOEXPORT_SNAPSHOT")
            )
        row = self.conn.execute(query).fetchone()
        assert row is not None
        return parse_lsn(row[1]), row[2]

    def start(self, slot: str, lsn: int, publication: str, proto_version: int = 1, messages: bool = True) -> None:
        options = [f"proto_version '{proto_version}'", f"publication_names {sql.quote(publication)}"]
        if messages:
            options.append("messages 'true'")
        query = f'START_REPLICATION SLOT "{slot}" LOGICAL {format_lsn(lsn)} ({", ".join(options)})'
        self.conn.execute(query.encode())  # the result is COPY_BOTH: the stream starts
        self.received_lsn = max(self.received_lsn, lsn)
        self.flushed_lsn = max(self.flushed_lsn, lsn)
        self._last_status = time.monotonic()
        self._keeper = threading.Thread(target=self._keep_alive, name=f"pg-keepalive-{slot}", daemon=True)
        self._keeper.start()

    # -- the stream -------------------------------------------------------------------------
    def read(self, max_messages: int, timeout: float) -> list[tuple[int, bytes]]:
        """Up to `max_messages` (wal_start, pgoutput payload) pairs; waits at most `timeout` for the first."""
        out: list[tuple[int, bytes]] = []
        pg = self.pgconn
        deadline = time.monotonic() + timeout
        append = out.append
        unpack = _XLOG_HEADER.unpack_from
        while True:
            with self._lock:
                while len(out) < max_messages:
                    n, data = pg.get_copy_data(1)
                    if n > 0:
                        kind = data[0]
                        if kind == 119:  # 'w' XLogData: keep the pgoutput payload (one copy)
                            wal_start, wal_end, _ = unpack(data, 1)
                            append((wal_start, data[25:].tobytes()))
                            if wal_end > self.received_lsn:
                                self.received_lsn = wal_end
                        elif kind == 107:  # 'k' keepalive
                            wal_end, _, reply = _KEEPALIVE.unpack_from(data, 1)
                            self.on_keepalive(wal_end)
                            if reply:
                                self._send_status(force=True)
                        continue
                    if n == 0:
                        break
                    if n == -1:
                        raise ReplicationError(f"the server ended the replication stream: {self._result_error()}")
                    raise ReplicationError(f"replication stream failed: {pg.get_error_message()}")
                if time.monotonic() - self._last_status >= self.status_interval:
                    self._send_status()
            if out or len(out) >= max_messages:
                return out
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return out
            readable, _, _ = select.select([pg.socket], [], [], min(remaining, 0.2))
            if readable:
                with self._lock:
                    pg.consume_input()

    def on_keepalive(self, wal_end: int) -> None:
        """The server says everything up to `wal_end` was sent."""
        self.keepalive_lsn = wal_end
        if wal_end > self.received_lsn:
            self.received_lsn = wal_end

    def confirm(self, lsn: int) -> None:
        """Let the slot release WAL up to `lsn` (only ever moves forward)."""
        if lsn > self.flushed_lsn:
            self.flushed_lsn = lsn

    def send_status_now(self, reply: bool = False) -> None:
        """Send a status update now; with `reply` the server answers with a keepalive saying what it sent."""
        with self._lock:
            self._send_status(force=True, reply=reply)

    def _send_status(self, force: bool = False, reply: bool = False) -> None:
        flush = self.flushed_lsn
        if not force and flush == self._sent_flush and time.monotonic() - self._last_status < self.status_interval:
            return
        write = max(self.received_lsn, flush)
        msg = _STATUS.pack(b"r", write, flush, flush, _now_pg_us(), 1 if reply else 0)
        if self.pgconn.put_copy_data(msg) != 1 or self.pgconn.flush() < 0:
            raise ReplicationError(f"could not send a status update: {self.pgconn.get_error_message()}")
        self._sent_flush = flush
        self._last_status = time.monotonic()

    def _keep_alive(self) -> None:
        while not self._closed.wait(1.0):
            if time.monotonic() - self._last_status < self.status_interval:
                continue
            if not self._lock.acquire(timeout=0.5):
                continue
            try:
                if self.pgconn.status == pq.ConnStatus.OK:
                    self.pgconn.consume_input()
                    self._send_status(force=True)
            except Exception as exc:  # the poll thread sees the broken stream and reconnects
                log.debug("keepalive failed: %s", exc)
            finally:
                self._lock.release()

    def _result_error(self) -> str:
        result = self.pgconn.get_result()
        if result is not None and result.error_message:
            return result.error_message.decode(errors="replace").strip()
        return "no error reported"

    def close(self) -> None:
        self._closed.set()
        if self._keeper is not None:
            self._keeper.join(2)
        with self._lock:
            try:
                if self.pgconn.status == pq.ConnStatus.OK and self._sent_flush != self.flushed_lsn:
                    self._send_status(force=True)
            except Exception:
                pass
            self.conn.close()
