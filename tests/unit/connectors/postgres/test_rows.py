"""Event field and schema names as `field.name.adjustment.mode` / `schema.name.adjustment.mode` make them."""

from __future__ import annotations

from connect.data.avro_names import field_name_adjuster, schema_name_adjuster
from connectors.postgres.config import PostgresConfig
from connectors.postgres.rows import ColumnDef, TableReader
from connectors.postgres.types import TypeModes

REQUIRED = {"database.hostname": "db", "database.user": "cdc", "database.dbname": "shop", "topic.prefix": "my-shop"}
COLUMNS = [ColumnDef("order-id", 23, -1, False), ColumnDef("1st", 25, -1, True), ColumnDef("größe", 23, -1, True)]


def reader(schema_mode: str, field_mode: str) -> TableReader:
    schemas = schema_name_adjuster(schema_mode)
    topic = "my-shop.public.orders"
    return TableReader(
        "public",
        "orders",
        topic,
        COLUMNS,
        ["order-id"],
        TypeModes(),
        lambda oid: None,
        field_names=field_name_adjuster(field_mode),
        schema_prefix=schemas(topic) if schemas else None,
    )


def test_adjusted_names_reach_rows_keys_and_schemas_while_sql_keeps_the_columns():
    r = reader("avro", "avro")
    row = r.row([b"7", b"x", None])
    assert row == {"order_id": 7, "_1st": "x", "gr__e": None}
    assert r.key(row) == {"order_id": 7} and r.single_key == "order_id"
    assert [f.name for f in r.schemas.value.fields] == ["order_id", "_1st", "gr__e"]
    assert [f.name for f in r.schemas.key.fields] == ["order_id"]
    assert (r.schemas.key.name, r.schemas.envelope.name) == (
        "my_shop.public.orders.Key",
        "my_shop.public.orders.Envelope",
    )
    assert r.topic == "my-shop.public.orders"  # topics are not schema names
    assert r.names == ("order-id", "1st", "größe") and r.key_names == ("order-id",)  # what SQL reads
    assert r.decode(b"\x00\x03t\x00\x00\x00\x012n" + b"t\x00\x00\x00\x013", 0) == {
        "order_id": 2,
        "_1st": None,
        "gr__e": 3,
    }


def test_unicode_mode_and_none():
    r = reader("avro_unicode", "avro_unicode")
    assert [f.name for f in r.schemas.value.fields] == ["order_u002did", "_u0031st", "gr_u00f6_u00dfe"]
    assert r.schemas.value.name == "my_u002dshop.public.orders.Value"
    plain = reader("none", "none")
    assert [f.name for f in plain.schemas.value.fields] == ["order-id", "1st", "größe"]
    assert plain.schemas.value.name == "my-shop.public.orders.Value"


def test_field_names_default_to_avro_with_an_avro_converter_as_debezium_does():
    assert PostgresConfig.parse(REQUIRED).field_names() is None
    for converter in ("io.confluent.connect.avro.AvroConverter", "io.apicurio.registry.utils.converter.AvroConverter"):
        adjust = PostgresConfig.parse({**REQUIRED, "value.converter": converter}).field_names()
        assert adjust is not None and adjust("a-b") == "a_b"
    explicit = PostgresConfig.parse(
        {**REQUIRED, "key.converter": "AvroConverter", "field.name.adjustment.mode": "avro_unicode"}
    )
    assert explicit.field_names()("a-b") == "a_u002db"  # type: ignore[misc]
    assert PostgresConfig.parse({**REQUIRED, "schema.name.adjustment.mode": "AVRO"}).schema_names()("a-b") == "a_b"  # type: ignore[misc]
