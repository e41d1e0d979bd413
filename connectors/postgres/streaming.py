"""Streaming: pgoutput messages → change records with resumable offsets, and the slot confirmations they allow.

`ChangeStream.process` turns a batch of (lsn, payload) into records. Each record's offset
names its transaction (commit LSN) and its index among the records of that transaction, so
after a crash the replayed part of a partly flushed transaction is skipped exactly.
`confirmable(offset)` says how far the slot may be confirmed once that offset is flushed.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from connect.data import Header, SourceRecord
from connectors.postgres.events import NEWKEY_HEADER, OLDKEY_HEADER, EventBuilder
from connectors.postgres.failures import FailurePolicy
from connectors.postgres.offsets import Position, format_lsn
from connectors.postgres.pgoutput import (
    UNCHANGED,
    Begin,
    Commit,
    Delete,
    Message,
    Origin,
    Relation,
    Truncate,
    TypeMsg,
    Update,
    decode,
)
from connectors.postgres.rows import ConversionFailed, TableReader
from connectors.postgres.values import java_hashmap_capacity

if TYPE_CHECKING:
    from connectors.postgres.signals import IncrementalSnapshots

log = logging.getLogger(__name__)

MESSAGE_COLLECTION = "io.debezium.connector.postgresql.LogicalDecodingMessageMonitor$LogicalDecodingMessageId"

ReaderFactory = Callable[[Relation], TableReader | None]


class ChangeStream:
    """Decodes pgoutput and builds records; holds the position of what it emitted."""

    def __init__(
        self,
        events: EventBuilder,
        readers: ReaderFactory,
        *,
        skipped: frozenset[str] = frozenset(),
        transaction_metadata: bool = False,
        position: Position | None = None,
        signals: IncrementalSnapshots | None = None,
        failures: FailurePolicy | None = None,
        messages: Callable[[str], bool] | None = None,
        skip_unchanged: bool = False,
    ) -> None:
        self.events = events
        self._messages = messages  # which logical decoding message prefixes to emit (None: all)
        self._skip_unchanged = skip_unchanged
        self.failures = failures or FailurePolicy()
        self.signals = signals
        self.signal_tables: dict[int, TableReader] = {}
        self._readers = readers
        self._skipped = skipped
        self._tx_metadata = transaction_metadata
        self.tables: dict[int, TableReader | None] = {}
        self.position = position or Position()
        # Transaction state.
        self.in_txn = False
        self._xid = 0
        self._commit_lsn = 0
        self._ts_us = 0
        self._index = 0
        self._origin: tuple[str, int] | None = None
        self._sources: dict[int, dict[str, Any]] = {}
        self._tx_begun = False
        self._tx_capacity = 16
        self._tx_counts: dict[str, int] = {}
        self._tx_total = 0
        # Positions.
        self.proc_lsn = self.position.restart_lsn  # end of the last transaction emitted completely
        # The last commit Debezium's `source.sequence` names first: where the stream starts, then each commit's
        # end (and each message outside a transaction, which commits itself).
        self.last_commit_lsn: int | None = self.position.restart_lsn or None
        self.last_offset: Mapping[str, Any] | None = None
        self._ends: OrderedDict[tuple[int, int], int] = OrderedDict()  # (commit lsn, last index) → end lsn

    # -- positions ---------------------------------------------------------------------------
    def mark(self) -> tuple[Any, ...]:
        """What `resume_position` depends on, to `rewind` to when a batch is abandoned half processed."""
        return (self.last_offset, self.proc_lsn, self.position, self.last_commit_lsn, self.in_txn)

    def rewind(self, mark: tuple[Any, ...]) -> None:
        self.last_offset, self.proc_lsn, self.position, self.last_commit_lsn, self.in_txn = mark

    def resume_position(self) -> Position:
        """Where to resume after a reconnect: after the last record this stream emitted."""
        if self.last_offset is None:
            return Position(self.proc_lsn, self.position.skip_commit_lsn, self.position.skip_through_index)
        o = self.last_offset
        return Position(int(o.get("lsn_proc") or 0), o.get("lsn_commit"), int(o.get("event_index", 0)))

    def confirmable(self, offset: Mapping[str, Any]) -> int:
        """The LSN the slot may be confirmed to once `offset` is flushed."""
        if offset.get("snapshot") and not offset.get("snapshot_completed"):
            return 0
        end = self._ends.get((offset.get("lsn_commit") or 0, offset.get("event_index", -1)))
        return end if end is not None else int(offset.get("lsn_proc") or 0)

    # -- the hot path ------------------------------------------------------------------------
    def process(self, batch: list[tuple[int, bytes]]) -> list[SourceRecord]:
        out: list[SourceRecord] = []
        clock = self.events.clock
        clock.tick()
        tables = self.tables
        skip_inserts = "c" in self._skipped
        plain_inserts = self._plain_inserts()
        partition = self.events.partition
        append = out.append
        sequence_prefix = self._sequence_prefix
        headers = self.events.headers
        for lsn, payload in batch:
            tag = payload[0]
            if tag == 73:  # Insert: most of the traffic, so inlined (keep in step with _emit)
                relid = int.from_bytes(payload[1:5], "big")
                table = tables.get(relid)
                if table is None:
                    if relid in self.signal_tables:
                        self._signal(self.signal_tables[relid].decode(payload, 6), lsn, out)
                        plain_inserts = self._plain_inserts()
                    continue
                if skip_inserts:
                    continue
                try:
                    after = table.decode(payload, 6)
                except ConversionFailed as failed:
                    repaired = self.failures.row(failed, f"LSN {format_lsn(lsn)}")
                    if repaired is None:
                        continue
                    after = repaired
                if not plain_inserts:
                    self._emit(table, "c", None, after, lsn, out)
                    continue
                self._index = index = self._index + 1
                src = self._sources.get(id(table)) or self._source_for(table)
                src = src.copy()
                src["lsn"] = lsn
                src["sequence"] = f'{sequence_prefix}{lsn}"]'
                offset = {
                    "lsn": lsn,
                    "lsn_commit": self._commit_lsn,
                    "lsn_proc": self.proc_lsn,
                    "txId": self._xid,
                    "ts_usec": self._ts_us,
                    "event_index": index,
                }
                key_name = table.single_key
                key = {key_name: after[key_name]} if key_name is not None else table.key(after)
                append(
                    SourceRecord(
                        partition,
                        offset,
                        table.topic,
                        None,
                        table.schemas.key,
                        key,
                        table.schemas.envelope,
                        {
                            "before": None,
                            "after": after,
                            "source": src,
                            "transaction": None,
                            "op": "c",
                            "ts_ms": clock.ms,
                            "ts_us": clock.us,
                            "ts_ns": clock.ns,
                        },
                        None,
                        headers,
                    )
                )
                self.last_offset = offset
            elif tag == 85 or tag == 68:
                self._update_or_delete(decode(payload), lsn, out)
            elif tag == 66:
                self._begin(decode(payload), lsn, out)
            elif tag == 67:
                self._commit(decode(payload), out)
                sequence_prefix = self._sequence_prefix
            else:
                self._other(decode(payload), lsn, out)
                sequence_prefix = self._sequence_prefix  # a message outside a transaction moves it
        return out

    def _plain_inserts(self) -> bool:
        """True when inserts need nothing but the inlined path (no metadata, replay skipping or snapshot window)."""
        return (
            not self._tx_metadata
            and self.position.skip_commit_lsn is None
            and (self.signals is None or self.signals.state is None)
        )

    @property
    def _sequence_prefix(self) -> str:
        return f'["{self.last_commit_lsn}","' if self.last_commit_lsn else '[null,"'

    def _emit(
        self,
        table: TableReader,
        op: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        lsn: int,
        out: list[SourceRecord],
        key_header: Header | None = None,
    ) -> None:
        self._index += 1
        if self._skip(self._index):
            return
        src = self._sources.get(id(table))
        if src is None:
            src = self._source_for(table)
        src = src.copy()
        src["lsn"] = lsn
        src["sequence"] = f'{self._sequence_prefix}{lsn}"]'
        offset: dict[str, Any] = {
            "lsn": lsn,
            "lsn_commit": self._commit_lsn,
            "lsn_proc": self.proc_lsn,
            "txId": self._xid,
            "ts_usec": self._ts_us,
            "event_index": self._index,
        }
        signals = self.signals
        if signals is not None and signals.state is not None:
            offset["incremental_snapshot"] = signals.state
            if signals.window == table.data_collection:
                signals.changed(table.key(after if after is not None else before))  # type: ignore[arg-type]
        transaction = self._transaction_block(table.data_collection, lsn) if self._tx_metadata else None
        self.events.change(table, op, before, after, src, offset, transaction, out, key_header)
        if op == "d" and self.events.tombstones:
            # The tombstone is its own step of the transaction: give it its own offset.
            self._index += 1
            out[-1].source_offset = {**offset, "event_index": self._index}
        self.last_offset = out[-1].source_offset

    def _signal(self, row: dict[str, Any], lsn: int, out: list[SourceRecord]) -> None:
        """A row inserted into the signal table: maybe the close of a chunk window, whose rows are emitted."""
        assert self.signals is not None
        for table, after in self.signals.on_signal(row):
            self._index += 1
            if self._skip(self._index):
                continue
            src = self.events.source(
                ts_us=self._ts_us, snapshot="incremental", schema=table.schema_name, table=table.table_name
            )
            offset: dict[str, Any] = {
                "lsn": lsn,
                "lsn_commit": self._commit_lsn,
                "lsn_proc": self.proc_lsn,
                "txId": self._xid,
                "ts_usec": self._ts_us,
                "event_index": self._index,
            }
            if self.signals.state is not None:
                offset["incremental_snapshot"] = self.signals.state
            self.events.change(table, "r", None, after, src, offset, None, out)
            self.last_offset = offset

    def _skip(self, index: int) -> bool:
        p = self.position
        return p.skip_commit_lsn is not None and self._commit_lsn == p.skip_commit_lsn and index <= p.skip_through_index

    def _source_for(self, table: TableReader) -> dict[str, Any]:
        origin, origin_lsn = self._origin if self._origin else (None, None)
        src = self.events.source(
            ts_us=self._ts_us,
            schema=table.schema_name,
            table=table.table_name,
            xid=self._xid,
            origin=origin,
            origin_lsn=origin_lsn,
        )
        self._sources[id(table)] = src
        return src

    def _transaction_block(self, data_collection: str, lsn: int) -> dict[str, Any]:
        """The `transaction` block of an event; as Debezium's, its id names the event's own LSN."""
        self._tx_total += 1
        n = self._tx_counts.get(data_collection, 0) + 1
        self._tx_counts[data_collection] = n
        return {"id": f"{self._xid}:{lsn}", "total_order": self._tx_total, "data_collection_order": n}

    # -- the other messages ------------------------------------------------------------------
    def _begin(self, msg: Begin, lsn: int, out: list[SourceRecord]) -> None:
        self.in_txn = True
        self._xid = msg.xid
        self._commit_lsn = msg.final_lsn
        self._ts_us = msg.commit_ts_us
        self._index = 0
        self._origin = None
        self._sources = {}
        if self._tx_metadata:
            self._tx_begun = True
            self._tx_counts = {}
            self._tx_total = 0
            self._index += 1
            if not self._skip(self._index):
                offset = {
                    "lsn": lsn,
                    "lsn_commit": msg.final_lsn,
                    "lsn_proc": self.proc_lsn,
                    "txId": msg.xid,
                    "ts_usec": msg.commit_ts_us,
                    "event_index": self._index,
                }
                out.append(self.events.transaction_begin(f"{msg.xid}:{lsn}", msg.commit_ts_us // 1000, offset))
                self.last_offset = offset

    def _commit(self, msg: Commit, out: list[SourceRecord]) -> None:
        if self.position.skip_commit_lsn is not None and msg.commit_lsn >= self.position.skip_commit_lsn:
            self.position = Position(self.position.restart_lsn)  # past the replayed transaction
        if self._tx_metadata and self._tx_begun:
            self._tx_begun = False
            self._index += 1
            if not self._skip(self._index):
                offset = {
                    "lsn": msg.end_lsn,
                    "lsn_commit": self._commit_lsn,
                    "lsn_proc": self.proc_lsn,
                    "txId": self._xid,
                    "ts_usec": self._ts_us,
                    "event_index": self._index,
                }
                tx_id = f"{self._xid}:{msg.end_lsn}"
                # Debezium's per-table counts live in one HashMap for the task's life: its table only grows
                self._tx_capacity = java_hashmap_capacity(len(self._tx_counts), self._tx_capacity)
                ts_ms = self._ts_us // 1000
                out.append(self.events.transaction_end(tx_id, ts_ms, self._tx_counts, offset, self._tx_capacity))
                self.last_offset = offset
        if self._index:
            self._ends[(self._commit_lsn, self._index)] = msg.end_lsn
            while len(self._ends) > 64:
                self._ends.popitem(last=False)
        self.in_txn = False
        self.proc_lsn = msg.end_lsn
        self.last_commit_lsn = msg.end_lsn  # where Debezium says the commit is (its XLogData position)

    def _read(self, read: Any, raw: list[Any], lsn: int) -> dict[str, Any] | None:
        """A row through `read`, with conversion failures handled (None: skip the event)."""
        try:
            return read(raw)
        except ConversionFailed as failed:
            return self.failures.row(failed, f"LSN {format_lsn(lsn)}")

    def _update_or_delete(self, msg: Update | Delete, lsn: int, out: list[SourceRecord]) -> None:
        table = self.tables.get(msg.relid)
        if table is None:
            return
        if isinstance(msg, Delete):
            if "d" not in self._skipped:
                before = self._read(table.old_key_row if msg.old_is_key else table.row, msg.old, lsn)
                if before is not None:
                    self._emit(table, "d", before, None, lsn, out)
            return
        if "u" in self._skipped:
            return
        new = msg.new
        if msg.old is not None and not msg.old_is_key and UNCHANGED in new:
            # REPLICA IDENTITY FULL: an unchanged TOASTed value is in the old row; use it, as Debezium
            new = [o if n is UNCHANGED and o is not UNCHANGED else n for n, o in zip(new, msg.old, strict=False)]
        after = self._read(table.row, new, lsn)
        if after is None:
            return
        before = None
        if msg.old is not None:
            before = self._read(table.old_key_row if msg.old_is_key else table.row, msg.old, lsn)
            if before is None:
                return
        if before is not None and table.key_names and table.key(before) != table.key(after):
            # The key changed: as Debezium, a delete of the old key (and its tombstone), then a create, each
            # carrying the other key in a header.
            key_schema = table.schemas.key
            self._emit(table, "d", before, None, lsn, out, Header(NEWKEY_HEADER, table.key(after), key_schema))
            self._emit(table, "c", None, after, lsn, out, Header(OLDKEY_HEADER, table.key(before), key_schema))
            return
        if msg.old_is_key:
            before = None  # only the old key was sent, and it did not change
        elif self._skip_unchanged and before == after:
            return  # skip.messages.without.change: no captured column changed (known under REPLICA IDENTITY FULL)
        self._emit(table, "u", before, after, lsn, out)

    def _other(self, msg: Any, lsn: int, out: list[SourceRecord]) -> None:
        if isinstance(msg, Relation):
            if self.signals is not None and self.signals.is_signal_table(msg):
                self.signal_tables[msg.relid] = self.signals.signal_reader(msg)
                self.tables[msg.relid] = None  # signal rows are read, never emitted
            else:
                self.tables[msg.relid] = self._readers(msg)
        elif isinstance(msg, Truncate):
            if "t" in self._skipped:
                return
            for relid in msg.relids:
                table = self.tables.get(relid)
                if table is None:
                    continue
                self._index += 1
                if self._skip(self._index):
                    continue
                src = self._source_for(table).copy()
                src["lsn"] = lsn
                src["sequence"] = f'{self._sequence_prefix}{lsn}"]'
                offset = {
                    "lsn": lsn,
                    "lsn_commit": self._commit_lsn,
                    "lsn_proc": self.proc_lsn,
                    "txId": self._xid,
                    "ts_usec": self._ts_us,
                    "event_index": self._index,
                }
                transaction = self._transaction_block(table.data_collection, lsn) if self._tx_metadata else None
                out.append(self.events.truncate(table, src, offset, transaction))
                self.last_offset = offset
        elif isinstance(msg, Message):
            self._message(msg, lsn, out)
        elif isinstance(msg, Origin):
            self._origin = (msg.name, msg.commit_lsn)
        elif isinstance(msg, TypeMsg):
            pass  # types are looked up in the catalog when a relation uses them

    def _message(self, msg: Message, lsn: int, out: list[SourceRecord]) -> None:
        if self._messages is not None and not self._messages(msg.prefix):
            return
        transaction = None
        if msg.transactional and self.in_txn:
            self._index += 1
            if self._skip(self._index):
                return
            src = self.events.source(ts_us=self._ts_us, xid=self._xid, lsn=msg.lsn)
            src["sequence"] = f'{self._sequence_prefix}{msg.lsn}"]'
            offset: dict[str, Any] = {
                "lsn": msg.lsn,
                "lsn_commit": self._commit_lsn,
                "lsn_proc": self.proc_lsn,
                "txId": self._xid,
                "ts_usec": self._ts_us,
                "event_index": self._index,
            }
            if self._tx_metadata:
                # Debezium counts each message under a data collection of its own, named after a fresh object
                transaction = self._transaction_block(f"{MESSAGE_COLLECTION}@{secrets.token_hex(4)}", msg.lsn)
        else:
            now_us = self.events.clock.us
            src = self.events.source(ts_us=now_us, lsn=msg.lsn)
            self.last_commit_lsn = msg.lsn  # a message outside a transaction commits itself
            src["sequence"] = f'["{msg.lsn}","{msg.lsn}"]'
            offset = {"lsn": msg.lsn, "lsn_proc": max(self.proc_lsn, msg.lsn), "ts_usec": now_us}
        out.append(self.events.message(msg.prefix, msg.content, src, offset, self.events.clock.ms, transaction))
        self.last_offset = offset
