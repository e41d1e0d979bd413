"""Runs the snapshot (per `snapshot.mode`), then streaming; owns the connections, the slot and reconnects."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from psycopg import sql

from connect.data import SourceRecord
from connect.data.schema import INT64_SCHEMA, STRING_SCHEMA, Schema
from connect.errors import ConnectException, RetriableException
from connectors.postgres.catalog import Catalog, TableInfo
from connectors.postgres.config import PostgresConfig, snapshot_overrides
from connectors.postgres.events import EventBuilder, context_headers
from connectors.postgres.offsets import Position, format_lsn, parse_lsn
from connectors.postgres.outages import is_outage, outage
from connectors.postgres.replication import ReplicationConnection, ReplicationError
from connectors.postgres.rows import TableReader
from connectors.postgres.signals import IncrementalSnapshots
from connectors.postgres.snapshot import Snapshot
from connectors.postgres.streaming import ChangeStream
from connectors.postgres.tables import Tables

log = logging.getLogger(__name__)

HEARTBEAT_KEY_SCHEMA = Schema.struct(
    "io.debezium.connector.common.ServerNameKey", [("serverName", STRING_SCHEMA)], version=1
)
HEARTBEAT_VALUE_SCHEMA = Schema.struct("io.debezium.connector.common.Heartbeat", [("ts_ms", INT64_SCHEMA)], version=1)


class Coordinator:
    """Snapshot then stream, as `snapshot.mode` says; every call comes from the task thread."""

    def __init__(
        self,
        config: PostgresConfig,
        stored_offset: Mapping[str, Any] | None,
        version: str,
        report: Callable[[dict[str, Any]], None],
        task_id: int = 0,
    ) -> None:
        self.config = config
        self._task_id = task_id
        self._stored = stored_offset
        self._version = version
        self._report = report
        self.partition = {"server": config.prefix}
        self._slot = config["slot.name"]
        self._publication = config["publication.name"]
        self._max_batch = config["max.batch.size"]
        self._poll_timeout = config["poll.interval.ms"] / 1000
        self._admin: psycopg.Connection | None = None
        self._repl: ReplicationConnection | None = None
        self._snapshot: Snapshot | None = None
        self.stream: ChangeStream | None = None
        self._streaming = False
        self._flushed: Mapping[str, Any] | None = None
        self._last_reply_request = 0.0
        self._catalog: Catalog | None = None
        self._heartbeat = config["heartbeat.interval.ms"] / 1000
        self._next_heartbeat = time.monotonic() + self._heartbeat
        self.events: EventBuilder | None = None
        self._signals: IncrementalSnapshots | None = None
        self._resume_incremental: Mapping[str, Any] | None = None
        # The initial snapshot's tables, and where it stands as of the last record poll returned: an outage
        # interrupts it, and it resumes from there (`_snapshot_resume`) once the server is back.
        self._snapshot_tables: list[tuple[TableInfo, TableReader]] = []
        self._snapshot_lsn = 0  # the slot's consistent point: streaming starts there after the snapshot
        self._snapshot_sent: Position | None = None
        self._snapshot_resume: Position | None = None
        self._snapshot_interruptions = 0

    # -- start -------------------------------------------------------------------------------
    @property
    def _where(self) -> str:
        return f"Postgres at {self.config['database.hostname']}:{self.config['database.port']}"

    def start(self) -> None:
        try:
            self._start()
        except (ReplicationError, psycopg.Error) as exc:
            if is_outage(exc):  # the server is down or restarting: the worker waits and starts the task again
                raise outage(f"cannot connect to {self._where}", exc) from exc
            if isinstance(exc, psycopg.OperationalError):
                raise ConnectException(f"cannot connect to {self._where}: {str(exc).strip()}") from exc
            raise

    def _start(self) -> None:
        cfg = self.config
        self._admin = psycopg.connect(**cfg.conninfo(), autocommit=True)
        problems = server_problems(self._admin)
        if problems:
            raise ConnectException("; ".join(problems))
        dbname = self._admin.info.dbname
        self.events = EventBuilder(
            prefix=cfg.prefix,
            database=dbname,
            version=self._version,
            partition=self.partition,
            tombstones=cfg["tombstones.on.delete"],
            binary_mode=cfg.modes.binary,
            headers=context_headers(cfg.prefix, self._task_id, cfg["extended.headers.enabled"]),
            transaction_topic=cfg.transaction_topic,
        )
        self._catalog = catalog = Catalog(self._admin)
        tables = Tables(cfg, catalog)
        self._ensure_publication(catalog, tables)
        position = Position.from_offset(self._stored)
        slot = self._slot_state()
        snapshot, self._streaming_enabled = cfg.snapshot_plan(
            has_offset=position is not None and not position.snapshot_in_progress,
            in_progress=position is not None and position.snapshot_in_progress,
            slot_missing=slot is None,
        )
        if slot is None and position is not None and not position.snapshot_in_progress and not snapshot:
            raise ConnectException(
                f"replication slot '{self._slot}' does not exist, but this connector has a stored offset: changes "
                f"made since then are gone. Set snapshot.mode=when_needed (or always) to re-snapshot, or delete the "
                f"connector's offsets to start afresh."
            )
        signal_table = cfg.props.get("signal.data.collection")
        self._signals = (
            IncrementalSnapshots(
                self._admin, signal_table, tables, catalog, cfg["incremental.snapshot.chunk.size"], self._report
            )
            if signal_table
            else None
        )
        self._resume_incremental = position.incremental if position is not None and not snapshot else None
        self.stream = ChangeStream(
            self.events,
            tables.for_relation,
            skipped=cfg.skipped,
            transaction_metadata=cfg["provide.transaction.metadata"],
            position=None if snapshot else position,
            signals=self._signals,
            failures=cfg.failures,
            messages=cfg.message_filter(),
            skip_unchanged=cfg["skip.messages.without.change"],
        )
        if snapshot:
            self._start_snapshot(catalog, tables, position, slot)
        else:
            if slot is None:
                self._repl = ReplicationConnection(cfg.conninfo())
                self._repl.create_slot(self._slot, export_snapshot=False)
            self._start_streaming(position.restart_lsn if position else 0)

    def _start_snapshot(
        self, catalog: Catalog, tables: Tables, position: Position | None, slot: Mapping[str, Any] | None
    ) -> None:
        cfg = self.config
        name = None
        if slot is None and self._streaming_enabled:
            lsn, name = self._create_slot()
            if position is not None and position.snapshot_in_progress:
                # The chunks read so far were read before this slot's consistent point: changes made to them
                # since are not in its stream, so the snapshot starts over.
                log.warning("slot %s is gone: the interrupted snapshot starts over from a new slot", self._slot)
                position = None
        elif slot is None:  # initial_only: no stream follows, so no slot (it would pin WAL for ever)
            assert self._admin is not None
            lsn = parse_lsn(self._admin.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0])  # type: ignore[index]
        else:
            lsn = slot["confirmed_flush"]
        include = TablesToSnapshot(cfg["snapshot.include.collection.list"])
        chosen = []
        for schema, table in catalog.capturable_tables():
            if not tables.captured(schema, table) or not include.matches(schema, table):
                continue
            info = catalog.table_by_name(schema, table)
            reader = tables.for_table(info) if info is not None else None
            if info is not None and reader is not None:
                chosen.append((info, reader))
        assert self.stream is not None
        self.stream.proc_lsn = lsn
        self._snapshot_tables = chosen
        self._snapshot_lsn = lsn
        self._snapshot_sent = position if position is not None and position.snapshot_in_progress else None
        self._new_snapshot(self._snapshot_sent, name)

    def _create_slot(self) -> tuple[int, str | None]:
        """A new slot and the snapshot it exported (valid while its connection, kept in `_repl`, stays idle)."""
        self._close_repl()
        self._repl = ReplicationConnection(self.config.conninfo())
        return self._repl.create_slot(self._slot, export_snapshot=True)

    def _new_snapshot(self, position: Position | None, exported: str | None) -> None:
        """Start reading the snapshot's tables, after `position` (a snapshot in progress) when given."""
        cfg = self.config
        done = position.snapshot_tables_done if position else ()
        assert self.events is not None
        self._snapshot = Snapshot(
            conninfo=cfg.conninfo(),
            tables=self._snapshot_tables,
            events=self.events,
            lsn=self._snapshot_lsn,
            xid=None,
            snapshot_name=exported,
            threads=cfg["snapshot.max.threads"],
            fetch_size=cfg["snapshot.fetch.size"],
            queue_size=cfg["max.queue.size"],
            tables_done=done,
            resume_positions=position.snapshot_positions if position else None,
            report=self._report,
            failures=cfg.failures,
            overrides=snapshot_overrides(cfg.props),
            interruptions=self._snapshot_interruptions,
            lock_timeout_ms=cfg.snapshot_lock_timeout_ms,
        )
        self._snapshot.start()

    def _start_streaming(self, lsn: int) -> None:
        if self._repl is None:
            self._repl = ReplicationConnection(self.config.conninfo())
        self._repl.status_interval = self.config["status.update.interval.ms"] / 1000
        self._repl.start(self._slot, lsn, self._publication)
        self._streaming = True
        if self._signals is not None and self._resume_incremental:
            self._signals.resume(self._resume_incremental)
            self._resume_incremental = None
        self._report({"streaming": {"slot": self._slot, "publication": self._publication}})

    # -- poll --------------------------------------------------------------------------------
    def poll(self) -> list[SourceRecord] | None:
        if self._snapshot is not None:
            return self._poll_snapshot()
        if self._snapshot_resume is not None:
            return self._resume_snapshot()
        if not self._streaming:
            if not self._streaming_enabled:
                time.sleep(self._poll_timeout)
                return None
            return self._reconnect()
        assert self._repl is not None and self.stream is not None
        mark = self.stream.mark()
        try:
            batch = self._repl.read(self._max_batch, self._poll_timeout)
            records = self.stream.process(batch) if batch else []
        except (ReplicationError, psycopg.Error) as exc:
            self.stream.rewind(mark)  # nothing of this batch was returned: resume before it
            self._drop_stream()
            if not is_outage(exc):
                raise
            raise outage(f"replication stream of slot {self._slot} broke; reconnecting", exc) from exc
        if not batch and not self.stream.in_txn and self._flushed == self.stream.last_offset:
            # Everything emitted was flushed and the server sent nothing since: the slot may move
            # to what its keepalives said was sent (WAL it decoded for other tables), so that WAL
            # is released. Ask for a keepalive now and then: servers send them rarely on their own.
            self._repl.confirm(self._repl.keepalive_lsn)
            now = time.monotonic()
            if now - self._last_reply_request >= self._repl.status_interval:
                self._last_reply_request = now
                self._repl.send_status_now(reply=True)
        if self._heartbeat and time.monotonic() >= self._next_heartbeat:
            records.append(self._heartbeat_record())
        return records

    def _poll_snapshot(self) -> list[SourceRecord]:
        assert self._snapshot is not None
        try:
            records = self._snapshot.poll(self._max_batch, self._poll_timeout)
        except ConnectException as exc:
            cause = exc.__cause__
            if cause is None or not is_outage(cause):
                raise
            self._interrupt_snapshot()
            raise outage(f"the snapshot lost {self._where}; it resumes after the last chunk sent", cause) from exc
        if records:
            self._snapshot_sent = Position.from_offset(records[-1].source_offset)
        if self._snapshot.finished:
            self._snapshot.stop()
            self._snapshot = None
            if not self._streaming_enabled:
                self._close_repl()
                return records
            try:
                self._start_streaming(self._snapshot_lsn)
            except (ReplicationError, psycopg.Error) as exc:
                if not is_outage(exc):
                    raise
                # The snapshot's records still go out; the next poll reconnects (or says what it waits for).
                log.warning("streaming from slot %s could not start after the snapshot: %s", self._slot, exc)
                self._drop_stream()
        return records

    def _interrupt_snapshot(self) -> None:
        """The server went away mid-snapshot: stop reading; the next poll resumes after what was sent."""
        assert self._snapshot is not None
        self._snapshot.stop()
        self._snapshot = None
        self._snapshot_interruptions += 1
        self._snapshot_resume = self._snapshot_sent or Position(snapshot_in_progress=True)
        self._drop_stream()

    def _resume_snapshot(self) -> list[SourceRecord]:
        """Read the rest of an interrupted snapshot in a fresh snapshot (see snapshot.py for what that
        guarantees), once the server answers again; an outage raises and the worker retries later."""
        position = self._snapshot_resume
        assert position is not None and self.stream is not None
        exported = None
        try:
            self._ensure_admin()
            if self._streaming_enabled and not self._slot_exists():
                # Gone with the server (restored from a backup, failed over to a standby): as at start, the
                # snapshot starts over from a new slot, whose stream has every change after what it reads.
                log.warning("slot %s is gone: the interrupted snapshot starts over from a new slot", self._slot)
                self._snapshot_lsn, exported = self._create_slot()
                self.stream.proc_lsn = self._snapshot_lsn
                position = Position(snapshot_in_progress=True)
        except (ReplicationError, psycopg.Error) as exc:
            self._drop_stream()
            if not is_outage(exc):
                raise ConnectException(f"cannot resume the snapshot: {str(exc).strip()}") from exc
            raise outage(f"cannot resume the snapshot from {self._where}", exc) from exc
        self._snapshot_resume = None
        log.info(
            "snapshot resumes (interruption %d) with %d table(s) done, after %s",
            self._snapshot_interruptions,
            len(position.snapshot_tables_done),
            dict(position.snapshot_positions) or "no complete chunk",
        )
        self._new_snapshot(position, exported)
        return []

    def _slot_exists(self) -> bool:
        assert self._admin is not None
        query = "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s"
        return self._admin.execute(query, (self._slot,)).fetchone() is not None

    def _reconnect(self) -> list[SourceRecord]:
        """Resume streaming after the last record emitted; an outage raises and the worker retries later."""
        assert self.stream is not None
        try:
            self._ensure_admin()
            position = self.stream.resume_position()
            self.stream.position = position
            self.stream.in_txn = False
            self._start_streaming(position.restart_lsn)
        except (ReplicationError, psycopg.Error) as exc:
            self._drop_stream()
            if not is_outage(exc):
                raise ConnectException(f"cannot resume replication of slot {self._slot}: {str(exc).strip()}") from exc
            raise outage(f"cannot resume replication of slot {self._slot} from {self._where}", exc) from exc
        log.info("replication of slot %s resumed at %s", self._slot, format_lsn(position.restart_lsn))
        return []

    def _ensure_admin(self) -> None:
        """A working admin connection: a new one when the server dropped the old."""
        if _alive(self._admin):
            return
        self._close_admin()
        self._admin = psycopg.connect(**self.config.conninfo(), autocommit=True)
        # Everything that reads the catalog or writes signals moves to the new connection.
        if self._catalog is not None:
            self._catalog.use(self._admin)
        if self._signals is not None:
            self._signals.use(self._admin)
        if self.stream is not None:
            self.stream.tables.clear()

    def _drop_stream(self) -> None:
        self._streaming = False
        self._close_repl()
        if self._admin is not None and self._admin.broken:
            self._close_admin()

    def _close_admin(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception as exc:
                log.debug("closing the admin connection: %s", exc)
            self._admin = None

    def _heartbeat_record(self) -> SourceRecord:
        assert self.stream is not None
        self._next_heartbeat = time.monotonic() + self._heartbeat
        query = self.config.props.get("heartbeat.action.query")
        if query and self._admin is not None:
            try:
                self._admin.execute(query.encode())
            except psycopg.Error as exc:
                log.warning("heartbeat.action.query failed: %s", exc)
        offset = dict(self.stream.last_offset or {"lsn_proc": self.stream.proc_lsn, "lsn": self.stream.proc_lsn})
        if not self.stream.in_txn and self._repl is not None and self._flushed == self.stream.last_offset:
            offset["lsn_proc"] = max(int(offset.get("lsn_proc") or 0), self._repl.keepalive_lsn)
        now_ms = time.time_ns() // 1_000_000
        return SourceRecord(
            self.partition,
            offset,
            self.config.heartbeat_topic,
            None,
            HEARTBEAT_KEY_SCHEMA,
            {"serverName": self.config.prefix},
            HEARTBEAT_VALUE_SCHEMA,
            {"ts_ms": now_ms},
        )

    # -- offsets -----------------------------------------------------------------------------
    def committed(self, offset: Mapping[str, Any]) -> None:
        """`offset` (the newest of this connector) is durable: the slot may move accordingly."""
        self._flushed = offset
        if self.stream is None or self._repl is None:
            return
        lsn = self.stream.confirmable(offset)
        if lsn:
            self._repl.confirm(lsn)

    # -- server objects ----------------------------------------------------------------------
    def _slot_state(self) -> dict[str, Any] | None:
        assert self._admin is not None
        row = self._admin.execute(
            "SELECT plugin, database, confirmed_flush_lsn::text, active_pid FROM pg_replication_slots "
            "WHERE slot_name = %s",
            (self._slot,),
        ).fetchone()
        if row is None:
            return None
        plugin, database, confirmed, active_pid = row
        if plugin != "pgoutput" or database != self.config["database.dbname"]:
            raise ConnectException(
                f"replication slot '{self._slot}' exists for plugin {plugin} on database "
                f"{database}; use another slot.name for this connector"
            )
        if active_pid is not None:
            # Most often the task that ran before this one (moved from another worker, or restarted): its
            # walsender exits a moment after its connection closed, later on a busy server. An outage, as the
            # unsupported slot.max.retries says: the worker starts the task again, its status naming the holder.
            self._close_admin()
            raise RetriableException(
                f"replication slot '{self._slot}' is in use by process {active_pid}: waiting for it to be released "
                f"(a task that just stopped lets go of it in a moment; if another connector or pg_recvlogical "
                f"streams from it, each connector needs its own slot.name)"
            )
        return {"confirmed_flush": parse_lsn(confirmed) if confirmed else 0}

    def _ensure_publication(self, catalog: Catalog, tables: Tables) -> None:
        assert self._admin is not None
        mode = self.config["publication.autocreate.mode"].lower()
        name = sql.Identifier(self._publication)
        exists = (
            self._admin.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (self._publication,)).fetchone()
            is not None
        )
        try:
            if mode == "filtered":
                signal = self.config.props.get("signal.data.collection") or ""
                chosen = [
                    sql.SQL("{}.{}").format(sql.Identifier(s), sql.Identifier(t))
                    for s, t in catalog.capturable_tables()
                    if tables.captured(s, t) or f"{s}.{t}" == signal
                ]
                if not chosen:
                    raise ConnectException(
                        "publication.autocreate.mode=filtered, but no table matches "
                        "table.include.list/table.exclude.list"
                    )
                verb = "ALTER PUBLICATION {} SET TABLE {}" if exists else "CREATE PUBLICATION {} FOR TABLE {}"
                self._admin.execute(sql.SQL(verb).format(name, sql.SQL(", ").join(chosen)))
            elif exists:
                return
            elif mode == "all_tables":
                self._admin.execute(sql.SQL("CREATE PUBLICATION {} FOR ALL TABLES").format(name))
            elif mode == "no_tables":
                self._admin.execute(sql.SQL("CREATE PUBLICATION {}").format(name))
            else:
                raise ConnectException(
                    f"publication '{self._publication}' does not exist and publication.autocreate.mode is "
                    f"disabled: create it (CREATE PUBLICATION {self._publication} FOR TABLE ...) or set "
                    f"publication.autocreate.mode to all_tables or filtered"
                )
        except psycopg.errors.InsufficientPrivilege as exc:
            raise ConnectException(
                f"cannot create publication '{self._publication}' ({str(exc).strip()}): FOR ALL TABLES needs a "
                f"superuser; create the publication as one, or use publication.autocreate.mode=filtered with a role "
                f"owning the tables"
            ) from exc

    # -- stop --------------------------------------------------------------------------------
    def _close_repl(self) -> None:
        if self._repl is not None:
            try:
                self._repl.close()
            except Exception as exc:
                log.debug("closing the replication connection: %s", exc)
            self._repl = None

    def stop(self) -> None:
        if self._snapshot is not None:
            self._snapshot.stop()
            self._snapshot = None
        self._close_repl()
        if self._admin is not None and not self._admin.closed:
            if self.config["slot.drop.on.stop"]:
                self._drop_slot()
            self._admin.close()

    def _drop_slot(self) -> None:
        assert self._admin is not None
        deadline = time.monotonic() + 5  # our walsender may take a moment to let go of the slot
        while True:
            try:
                row = self._admin.execute(
                    "SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", (self._slot,)
                ).fetchone()
                if row is None:
                    return
                if row[0] is None:
                    self._admin.execute("SELECT pg_drop_replication_slot(%s)", (self._slot,))
                    return
            except psycopg.Error as exc:
                log.warning("could not drop slot %s: %s", self._slot, exc)
                return
            if time.monotonic() > deadline:
                log.warning("slot %s is still in use by process %s; not dropped", self._slot, row[0])
                return
            time.sleep(0.05)


def _alive(conn: psycopg.Connection | None) -> bool:
    """Whether a connection still works (a server restart leaves it open-looking until used)."""
    if conn is None or conn.closed or conn.broken:
        return False
    try:
        conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


class TablesToSnapshot:
    """`snapshot.include.collection.list`: which captured tables the snapshot reads (all when empty)."""

    def __init__(self, patterns: list[str]) -> None:
        self._patterns = [re.compile(p, re.IGNORECASE) for p in patterns]

    def matches(self, schema: str, table: str) -> bool:
        return not self._patterns or any(p.fullmatch(f"{schema}.{table}") for p in self._patterns)


def server_problems(conn: psycopg.Connection) -> list[str]:
    """What keeps this server/role from logical replication, each with how to fix it."""
    problems = []
    wal_level = conn.execute("SHOW wal_level").fetchone()[0]  # type: ignore[index]
    if wal_level != "logical":
        problems.append(
            f"wal_level is '{wal_level}' but logical decoding needs 'logical': set wal_level = logical "
            f"in postgresql.conf (ALTER SYSTEM SET wal_level = logical) and restart Postgres"
        )
    row = conn.execute(
        "SELECT r.rolname, r.rolreplication OR r.rolsuper OR EXISTS (SELECT 1 FROM pg_roles g "
        "WHERE g.rolname = 'rds_replication' AND pg_has_role(r.oid, g.oid, 'member')) "
        "FROM pg_roles r WHERE r.rolname = current_user"
    ).fetchone()
    if row is not None and not row[1]:
        problems.append(
            f"role '{row[0]}' may not use replication: ALTER ROLE {row[0]} WITH REPLICATION "
            f"(or grant rds_replication on RDS)"
        )
    return problems
