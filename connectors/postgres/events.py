"""Debezium change-event records: envelopes, keys, tombstones, transaction BEGIN/END, logical messages."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from typing import Any

from connect.data import SourceRecord
from connectors.postgres.rows import TableReader
from connectors.postgres.schema import (
    MESSAGE_KEY_SCHEMA,
    TRANSACTION_KEY_SCHEMA,
    TRANSACTION_VALUE_SCHEMA,
    message_value_schema,
)

CONNECTOR = "postgresql"


class Clock:
    """Processing time read once per batch: ts_ms/ts_us/ts_ns of the envelopes built in it."""

    __slots__ = ("ms", "ns", "us")

    def __init__(self) -> None:
        self.tick()

    def tick(self) -> None:
        self.ns = time.time_ns()
        self.us = self.ns // 1000
        self.ms = self.ns // 1_000_000


class EventBuilder:
    """Builds the records of one connector (topic prefix, database) from rows and positions."""

    def __init__(
        self,
        *,
        prefix: str,
        database: str,
        version: str,
        partition: Mapping[str, Any],
        tombstones: bool = True,
        binary_mode: str = "bytes",
    ) -> None:
        self.prefix = prefix
        self.partition = partition
        self.tombstones = tombstones
        self.clock = Clock()
        self.transaction_topic = f"{prefix}.transaction"
        self.message_topic = f"{prefix}.message"
        self._binary_mode = binary_mode
        self._message_schema = message_value_schema(binary_mode)
        self._source_base = {
            "version": version,
            "connector": CONNECTOR,
            "name": prefix,
            "ts_ms": 0,
            "snapshot": "false",
            "db": database,
            "sequence": None,
            "ts_us": None,
            "ts_ns": None,
            "schema": "",
            "table": "",
            "txId": None,
            "lsn": None,
            "xmin": None,
            "origin": None,
            "origin_lsn": None,
        }

    def source(
        self,
        *,
        ts_us: int,
        snapshot: str = "false",
        schema: str = "",
        table: str = "",
        xid: int | None = None,
        lsn: int | None = None,
        origin: str | None = None,
        origin_lsn: int | None = None,
    ) -> dict[str, Any]:
        """A source block; the hot paths copy one per table and set only `lsn` and `sequence` per event."""
        src = dict(self._source_base)
        src.update(
            ts_ms=ts_us // 1000,
            ts_us=ts_us,
            ts_ns=ts_us * 1000,
            snapshot=snapshot,
            schema=schema,
            table=table,
            txId=xid,
            lsn=lsn,
            origin=origin,
            origin_lsn=origin_lsn,
        )
        return src

    def change(
        self,
        table: TableReader,
        op: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        source: dict[str, Any],
        offset: Mapping[str, Any],
        transaction: dict[str, Any] | None = None,
        out: list[SourceRecord] | None = None,
    ) -> list[SourceRecord]:
        """The change record (plus its tombstone for a delete) appended to `out`."""
        out = [] if out is None else out
        clock = self.clock
        schemas = table.schemas
        key = table.key(after if after is not None else before) if (after or before) else None  # type: ignore[arg-type]
        value = {
            "before": before,
            "after": after,
            "source": source,
            "transaction": transaction,
            "op": op,
            "ts_ms": clock.ms,
            "ts_us": clock.us,
            "ts_ns": clock.ns,
        }
        out.append(SourceRecord(self.partition, offset, table.topic, None, schemas.key, key, schemas.envelope, value))
        if op == "d" and self.tombstones:
            out.append(SourceRecord(self.partition, offset, table.topic, None, schemas.key, key, None, None))
        return out

    def truncate(
        self,
        table: TableReader,
        source: dict[str, Any],
        offset: Mapping[str, Any],
        transaction: dict[str, Any] | None = None,
    ) -> SourceRecord:
        clock = self.clock
        value = {
            "before": None,
            "after": None,
            "source": source,
            "transaction": transaction,
            "op": "t",
            "ts_ms": clock.ms,
            "ts_us": clock.us,
            "ts_ns": clock.ns,
        }
        return SourceRecord(self.partition, offset, table.topic, None, None, None, table.schemas.envelope, value)

    def message(
        self,
        prefix: str,
        content: bytes,
        source: dict[str, Any],
        offset: Mapping[str, Any],
        ts_ms: int,
        transaction: dict[str, Any] | None = None,
    ) -> SourceRecord:
        value = {
            "op": "m",
            "ts_ms": ts_ms,
            "source": source,
            "transaction": transaction,
            "message": {"prefix": prefix, "content": self._content(content)},
        }
        return SourceRecord(
            self.partition,
            offset,
            self.message_topic,
            None,
            MESSAGE_KEY_SCHEMA,
            {"prefix": prefix},
            self._message_schema,
            value,
        )

    def _content(self, content: bytes) -> Any:
        match self._binary_mode:
            case "base64":
                return base64.b64encode(content).decode("ascii")
            case "base64-url-safe":
                return base64.urlsafe_b64encode(content).decode("ascii")
            case "hex":
                return content.hex()
        return content

    def transaction_begin(self, tx_id: str, ts_ms: int, offset: Mapping[str, Any]) -> SourceRecord:
        value = {"status": "BEGIN", "id": tx_id, "event_count": None, "data_collections": None, "ts_ms": ts_ms}
        return SourceRecord(
            self.partition,
            offset,
            self.transaction_topic,
            None,
            TRANSACTION_KEY_SCHEMA,
            {"id": tx_id},
            TRANSACTION_VALUE_SCHEMA,
            value,
        )

    def transaction_end(
        self, tx_id: str, ts_ms: int, counts: Mapping[str, int], offset: Mapping[str, Any]
    ) -> SourceRecord:
        value = {
            "status": "END",
            "id": tx_id,
            "event_count": sum(counts.values()),
            "data_collections": [{"data_collection": c, "event_count": n} for c, n in counts.items()],
            "ts_ms": ts_ms,
        }
        return SourceRecord(
            self.partition,
            offset,
            self.transaction_topic,
            None,
            TRANSACTION_KEY_SCHEMA,
            {"id": tx_id},
            TRANSACTION_VALUE_SCHEMA,
            value,
        )
