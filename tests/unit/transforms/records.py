"""Helpers for the transform tests: configured plugins, records, and a small Debezium-shaped table."""

from __future__ import annotations

from typing import Any

from connect.data import (
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Header,
    Schema,
    SinkRecord,
    SourceRecord,
)


def configured(cls: type, props: dict[str, Any] | None = None, **kw: Any) -> Any:
    """An instance of a transform or predicate class configured with `props` and `kw` (dots spelled `__`)."""
    plugin = cls()
    plugin.configure({**(props or {}), **{k.replace("__", "."): v for k, v in kw.items()}})
    return plugin


def source(
    value: Any = None,
    schema: Schema | None = None,
    *,
    key: Any = None,
    key_schema: Schema | None = None,
    topic: str = "orders",
    headers: tuple[Header, ...] = (),
    timestamp: int | None = None,
    partition: int | None = None,
) -> SourceRecord:
    return SourceRecord(
        {"server": "db"}, {"lsn": 1}, topic, partition, key_schema, key, schema, value, timestamp, headers
    )


def sink(
    value: Any = None,
    schema: Schema | None = None,
    *,
    key: Any = None,
    key_schema: Schema | None = None,
    topic: str = "orders",
    offset: int = 42,
    partition: int = 3,
    timestamp: int | None = None,
) -> SinkRecord:
    return SinkRecord(topic, partition, key_schema, key, schema, value, offset, timestamp)


# A Debezium-shaped table `inventory.orders` with its key, row and envelope schemas.
ROW = Schema.struct(
    "db.inventory.orders.Value",
    [
        ("id", INT32_SCHEMA),
        ("customer", OPTIONAL_STRING_SCHEMA),
        ("status", Schema(STRING_SCHEMA.type, optional=True, default="new")),
        ("total", OPTIONAL_INT64_SCHEMA),
    ],
    optional=True,
)
KEY = Schema.struct("db.inventory.orders.Key", [("id", INT32_SCHEMA)])
SOURCE = Schema.struct(
    "io.debezium.connector.postgresql.Source",
    [
        ("version", STRING_SCHEMA),
        ("connector", STRING_SCHEMA),
        ("name", STRING_SCHEMA),
        ("ts_ms", INT64_SCHEMA),
        ("db", STRING_SCHEMA),
        ("schema", STRING_SCHEMA),
        ("table", STRING_SCHEMA),
        ("lsn", OPTIONAL_INT64_SCHEMA),
    ],
)
TRANSACTION = Schema.struct(
    "event.block",
    [("id", STRING_SCHEMA), ("total_order", INT64_SCHEMA), ("data_collection_order", INT64_SCHEMA)],
    optional=True,
)
ENVELOPE = Schema.struct(
    "db.inventory.orders.Envelope",
    [
        ("before", ROW),
        ("after", ROW),
        ("source", SOURCE),
        ("transaction", TRANSACTION),
        ("op", STRING_SCHEMA),
        ("ts_ms", OPTIONAL_INT64_SCHEMA),
    ],
)


def row(id: int = 1, customer: str | None = "ann", status: str | None = "paid", total: int | None = 100) -> dict:
    return {"id": id, "customer": customer, "status": status, "total": total}


def change(op: str, before: dict | None, after: dict | None, *, lsn: int = 7, transaction: dict | None = None) -> dict:
    return {
        "before": before,
        "after": after,
        "op": op,
        "ts_ms": 1_700_000_000_123,
        "transaction": transaction,
        "source": {
            "version": "3.0",
            "connector": "postgresql",
            "name": "db",
            "ts_ms": 1_700_000_000_000,
            "db": "shop",
            "schema": "inventory",
            "table": "orders",
            "lsn": lsn,
        },
    }


def change_record(op: str, before: dict | None, after: dict | None, *, schemas: bool = True, **kw: Any) -> SourceRecord:
    key = {"id": (after or before or {"id": 0})["id"]}
    return source(
        change(op, before, after, **kw),
        ENVELOPE if schemas else None,
        key=key,
        key_schema=KEY if schemas else None,
        topic="db.inventory.orders",
    )
