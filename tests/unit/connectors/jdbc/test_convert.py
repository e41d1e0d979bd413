"""Records → changes: envelopes, tombstones, table names, keys, field filters, the sequence guard."""

from __future__ import annotations

import pytest

from connect.data import Schema, SinkRecord, Type
from connect.errors import DataException
from connectors.jdbc.config import JdbcSinkConfig
from connectors.jdbc.convert import Action, RecordConverter
from connectors.jdbc.dialects import TableId
from connectors.jdbc.dialects.postgres import PostgresDialect
from tests.unit.connectors.jdbc.records import TOPIC, event, flat, tombstone


def converter(**props: str) -> RecordConverter:
    config = JdbcSinkConfig.parse({"connection.url": "jdbc:postgresql://h/db", "pk.mode": "record_key", **props})
    return RecordConverter(config, PostgresDialect(config))


def test_change_events_write_the_after_image_and_deletes_need_delete_enabled():
    conv = converter(**{"delete.enabled": "true", "truncate.enabled": "true"})
    write = conv.convert(event(0, "c", 7, name="x", qty=2))
    assert (write.action, write.table, write.key, tuple(write.row)) == (
        Action.WRITE,
        TableId(None, "shop_public_orders"),
        (7,),
        (7, "x", 2),
    )
    assert [c.name for c in write.plan.columns] == ["id", "name", "qty"] and write.plan.key == ("id",)
    delete = conv.convert(event(1, "d", 7))
    assert (delete.action, delete.key, tuple(delete.row)) == (Action.DELETE, (7,), (7,))
    assert conv.convert(tombstone(2, 7)).action is Action.DELETE
    assert conv.convert(event(3, "t", 0)).action is Action.TRUNCATE
    quiet = converter()
    assert quiet.convert(event(1, "d", 7)) is None and quiet.convert(tombstone(2, 7)) is None
    assert quiet.convert(event(3, "t", 0)) is None


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("${topic}", TableId(None, "shop_public_orders")),
        ("${table}", TableId(None, "orders")),
        ("${schema}_${table}", TableId(None, "public_orders")),
        ("reporting.${table}", TableId("reporting", "orders")),
        ("${source.schema}.${source.table}", TableId("public", "orders")),
        ("kafka_${topic}", TableId(None, "kafka_shop_public_orders")),
    ],
)
def test_table_name_format(fmt, expected):
    assert converter(**{"table.name.format": fmt}).convert(event(0, "c", 1)).table == expected


def test_flat_records_and_field_filters():
    conv = converter(**{"fields.whitelist": "qty"})
    change = conv.convert(flat(0, 1, name="n", qty=3))
    assert [c.name for c in change.plan.columns] == ["id", "qty"] and tuple(change.row) == (1, 3)
    dbz = converter(**{"field.include.list": "orders:name"})
    assert [c.name for c in dbz.convert(flat(0, 1, name="n")).plan.columns] == ["id", "name"]


def test_key_modes():
    kafka = converter(**{"pk.mode": "kafka"}).convert(flat(5, 1, name="n"))
    assert kafka.key == ("orders", 0, 5) and [c.name for c in kafka.plan.columns][:3] == [
        "__connect_topic",
        "__connect_partition",
        "__connect_offset",
    ]
    by_value = converter(**{"pk.mode": "record_value", "pk.fields": "name"}).convert(flat(0, 1, name="n"))
    assert by_value.key == ("n",) and by_value.plan.key == ("name",)
    primitive = SinkRecord("t", 0, Schema(Type.INT64), 9, flat(0, 9).value_schema, {"id": 9, "name": "a", "qty": 1}, 0)
    assert converter(**{"pk.fields": "pk"}).convert(primitive).key == (9,)
    with pytest.raises(DataException, match="primitive record key"):
        converter().convert(primitive)
    with pytest.raises(DataException, match="null"):
        converter(**{"pk.mode": "record_value", "pk.fields": "name"}).convert(flat(0, 1))


def test_a_record_without_a_schema_is_refused_with_the_reason():
    with pytest.raises(DataException, match="schema"):
        converter().convert(SinkRecord("t", 0, None, 1, None, {"id": 1}, 0))


def test_the_sequence_column_carries_the_source_lsn_or_the_offset():
    lsn = converter(**{"sequence.column": "_seq"}).convert(event(3, "u", 1, lsn=900))
    assert lsn.seq == 900 and tuple(lsn.row)[-1] == 900 and lsn.plan.guard == "_seq"
    offset = converter(**{"sequence.column": "_seq", "sequence.source": "kafka.offset"}).convert(flat(4, 1))
    assert offset.seq == 4
    with pytest.raises(DataException, match="lsn"):
        converter(**{"sequence.column": "_seq"}).convert(flat(4, 1))


def test_plans_are_made_once_per_schema():
    conv = converter()
    assert conv.convert(event(0, "c", 1)).plan is conv.convert(event(1, "u", 2)).plan
    assert TOPIC in {k[0] for k in conv._shapes}
