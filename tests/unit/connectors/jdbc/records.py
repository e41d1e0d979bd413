"""Debezium-style change events and flat records for the SQL sink's unit tests."""

from __future__ import annotations

from typing import Any

from connect.data import Schema, SinkRecord, Type

ROW = Schema.struct(
    "shop.public.orders.Value",
    [("id", Schema(Type.INT64)), ("name", Schema(Type.STRING, True)), ("qty", Schema(Type.INT32, True))],
    optional=True,
)
SOURCE = Schema.struct(
    "io.debezium.connector.postgresql.Source",
    [("lsn", Schema(Type.INT64, True)), ("schema", Schema(Type.STRING, True)), ("table", Schema(Type.STRING, True))],
)
ENVELOPE = Schema.struct(
    "shop.public.orders.Envelope",
    [("before", ROW), ("after", ROW), ("source", SOURCE), ("op", Schema(Type.STRING))],
)
KEY = Schema.struct("shop.public.orders.Key", [("id", Schema(Type.INT64))])
TOPIC = "shop.public.orders"


def event(offset: int, op: str, id_: int, lsn: int | None = None, topic: str = TOPIC, **after: Any) -> SinkRecord:
    image = None if op in ("d", "t") else {"id": id_, "name": None, "qty": None, **after}
    source = {"lsn": offset if lsn is None else lsn, "schema": "public", "table": "orders"}
    value = {"before": None, "after": image, "source": source, "op": op}
    key = None if op == "t" else {"id": id_}
    return SinkRecord(topic, 0, None if op == "t" else KEY, key, ENVELOPE, value, offset)


def tombstone(offset: int, id_: int) -> SinkRecord:
    return SinkRecord(TOPIC, 0, KEY, {"id": id_}, None, None, offset)


def flat(offset: int, id_: int, topic: str = "orders", **values: Any) -> SinkRecord:
    return SinkRecord(topic, 0, KEY, {"id": id_}, ROW, {"id": id_, "name": None, "qty": None, **values}, offset)
