"""Debezium change-event records: envelopes, keys, tombstones, transaction BEGIN/END, logical messages."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from typing import Any

from connect.data import Header, SourceRecord
from connect.data.schema import STRING_SCHEMA
from connectors.postgres.rows import TableReader
from connectors.postgres.schema import (
    MESSAGE_KEY_SCHEMA,
    TRANSACTION_KEY_SCHEMA,
    TRANSACTION_VALUE_SCHEMA,
    message_value_schema,
)
from connectors.postgres.values import java_hashmap_order

CONNECTOR = "postgresql"

NEWKEY_HEADER = "__debezium.newkey"
OLDKEY_HEADER = "__debezium.oldkey"


def context_headers(logical_name: str, task_id: int, enabled: bool = True) -> tuple[Header, ...]:
    """Debezium's `__debezium.context.*` headers (`extended.headers.enabled`): one tuple per task run, shared by
    every record, so the runtime converts them once."""
    if not enabled:
        return ()
    return (
        Header("__debezium.context.connectorLogicalName", logical_name, STRING_SCHEMA),
        Header("__debezium.context.taskId", str(task_id), STRING_SCHEMA),
        Header("__debezium.context.connectorName", CONNECTOR, STRING_SCHEMA),
        Header("__debezium.context.runId", str(uuid.uuid4()), STRING_SCHEMA),
    )


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
        headers: tuple[Header, ...] = (),
        transaction_topic: str | None = None,
    ) -> None:
        self.prefix = prefix
        self.partition = partition
        self.tombstones = tombstones
        self.headers = headers  # on every table record (changes, tombstones, truncates), as Debezium's
        self.clock = Clock()
        self.transaction_topic = transaction_topic or f"{prefix}.transaction"
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
        key_header: Header | None = None,
    ) -> list[SourceRecord]:
        """The change record (plus its tombstone for a delete) appended to `out`; `key_header` is the
        `__debezium.newkey`/`oldkey` header of the two events of a primary-key change."""
        out = [] if out is None else out
        clock = self.clock
        headers = self.headers if key_header is None else (key_header, *self.headers)
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
        topic = table.topic
        out.append(
            SourceRecord(self.partition, offset, topic, None, schemas.key, key, schemas.envelope, value, None, headers)
        )
        if op == "d" and self.tombstones:
            out.append(SourceRecord(self.partition, offset, topic, None, schemas.key, key, None, None, None, headers))
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
        return SourceRecord(
            self.partition, offset, table.topic, None, None, None, table.schemas.envelope, value, None, self.headers
        )

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
        self, tx_id: str, ts_ms: int, counts: Mapping[str, int], offset: Mapping[str, Any], capacity: int = 16
    ) -> SourceRecord:
        value = {
            "status": "END",
            "id": tx_id,
            "event_count": sum(counts.values()),
            # in the order Debezium's HashMap of them iterates
            "data_collections": [
                {"data_collection": c, "event_count": counts[c]} for c in java_hashmap_order(counts, capacity)
            ],
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
