"""Debezium's column mappers: masking, hashing, truncation and source-type parameters, first matching rule only."""

from __future__ import annotations

import hashlib

from connectors.postgres.columns import _java_serialized, column_rules
from connectors.postgres.rows import ColumnDef, TableReader
from connectors.postgres.types import PgType, TypeModes

TYPES = {
    25: PgType(25, "text", "b"),
    1043: PgType(1043, "varchar", "b"),
    23: PgType(23, "int4", "b"),
    1700: PgType(1700, "numeric", "b"),
}


def reader(**props: str) -> TableReader:
    cols = [
        ColumnDef("id", 23, -1, False),
        ColumnDef("name", 1043, 44, True),  # varchar(40)
        ColumnDef("note", 25, -1, True),
        ColumnDef("price", 1700, ((12 << 16) | 4) + 4, True),
    ]
    rules = column_rules(props)
    return TableReader("public", "t", "p.public.t", cols, ["id"], TypeModes(), TYPES.get, rules=rules)


def test_mask_truncate_and_propagate():
    r = reader(
        **{
            "column.mask.with.3.chars": "public.t.name",
            "column.truncate.to.2.chars": "public.t.note",
            "column.propagate.source.type": "public\\.t\\..*",
        }
    )
    row = r.row([b"1", b"alice", b"hello", b"12.5000"])
    assert row["name"] == "***" and row["note"] == "he"
    assert r.schemas.value.field("name").schema.parameters == {"masked": "true"}
    assert r.schemas.value.field("note").schema.parameters == {"truncateLength": "2"}
    assert r.schemas.value.field("price").schema.parameters == {
        "scale": "4",
        "connect.decimal.precision": "12",
        "__debezium.source.column.type": "NUMERIC",
        "__debezium.source.column.length": "12",
        "__debezium.source.column.scale": "4",
        "__debezium.source.column.name": "price",
    }


def test_hashes_as_debeziums_v1_and_v2_and_cut_to_the_column_length():
    r = reader(
        **{
            "column.mask.hash.SHA-256.with.salt.pepper": "public.t.name",
            "column.mask.hash.v2.MD5.with.salt.x": ".*note",
        }
    )
    row = r.row([b"1", b"alice", b"hello", None])
    v1 = hashlib.sha256(b"pepper" + b"\xac\xed\x00\x05t\x00\x05alice").hexdigest()
    assert row["name"] == v1[:40]  # varchar(40)
    assert row["note"] == hashlib.md5(b"xhello").hexdigest()


def test_java_serialization_of_strings_uses_modified_utf8():
    assert _java_serialized("é\0") == b"\xac\xed\x00\x05t\x00\x04\xc3\xa9\xc0\x80"
    assert _java_serialized("😀") == b"\xac\xed\x00\x05t\x00\x06\xed\xa0\xbd\xed\xb8\x80"
