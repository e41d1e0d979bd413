"""Postgres values → Debezium's schemas and values, per type and per handling mode."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connect.data import Type
from connectors.postgres.pgoutput import UNCHANGED
from connectors.postgres.rows import ColumnDef, TableReader
from connectors.postgres.types import PgType, TypeModes, column_mapping

ENUM_OID, ENUM_ARRAY_OID = 90001, 90002
TYPES = {
    ENUM_OID: PgType(ENUM_OID, "mood", "e", labels=("sad", "ok", "happy")),
    ENUM_ARRAY_OID: PgType(ENUM_ARRAY_OID, "_mood", "b", element=ENUM_OID, category="A"),
    1007: PgType(1007, "_int4", "b", element=23, category="A"),
    1009: PgType(1009, "_text", "b", element=25, category="A"),
    3807: PgType(3807, "_jsonb", "b", element=3802, category="A"),
    1182: PgType(1182, "_date", "b", element=1082, category="A"),
}


def read(oid: int, text: bytes | None, typmod: int = -1, modes: TypeModes | None = None):
    reader = TableReader(
        "public", "t", "p.public.t", [ColumnDef("c", oid, typmod, True)], [], modes or TypeModes(), TYPES.get
    )
    return reader.schemas.value.field("c").schema, reader.row([text])["c"]


NUMERIC_10_2 = ((10 << 16) | 2) + 4

CASES = [
    # oid, typmod, text, schema (type, name), value
    (21, -1, b"-7", (Type.INT16, None), -7),
    (23, -1, b"42", (Type.INT32, None), 42),
    (20, -1, b"9007199254740993", (Type.INT64, None), 9007199254740993),
    (700, -1, b"1.5", (Type.FLOAT32, None), 1.5),
    (701, -1, b"2.25", (Type.FLOAT64, None), 2.25),
    (16, -1, b"t", (Type.BOOLEAN, None), True),
    (25, -1, b"caf\xc3\xa9", (Type.STRING, None), "café"),
    (1043, -1, b"v", (Type.STRING, None), "v"),
    (1042, 9, b"ab   ", (Type.STRING, None), "ab   "),
    (1700, NUMERIC_10_2, b"12.50", (Type.BYTES, "org.apache.kafka.connect.data.Decimal"), Decimal("12.50")),
    (
        1700,
        -1,
        b"3.14159",
        (Type.STRUCT, "io.debezium.data.VariableScaleDecimal"),
        {"scale": 5, "value": (314159).to_bytes(3, "big", signed=True)},
    ),
    (17, -1, b"\\x0102ff", (Type.BYTES, None), b"\x01\x02\xff"),
    (1082, -1, b"1970-01-11", (Type.INT32, "io.debezium.time.Date"), 10),
    (1083, -1, b"00:00:01.5", (Type.INT64, "io.debezium.time.MicroTime"), 1_500_000),
    (1083, 3, b"00:00:01.5", (Type.INT32, "io.debezium.time.Time"), 1500),
    (1114, -1, b"1970-01-01 00:00:01.000002", (Type.INT64, "io.debezium.time.MicroTimestamp"), 1_000_002),
    (1114, 3, b"1970-01-01 00:00:01.5", (Type.INT64, "io.debezium.time.Timestamp"), 1500),
    (
        1184,
        -1,
        b"2026-01-02 03:04:05.5+00",
        (Type.STRING, "io.debezium.time.ZonedTimestamp"),
        "2026-01-02T03:04:05.500000Z",
    ),
    (
        1184,
        -1,
        b"2026-01-02 03:04:05+02",
        (Type.STRING, "io.debezium.time.ZonedTimestamp"),
        "2026-01-02T01:04:05.000000Z",
    ),
    (1184, 0, b"2026-01-02 03:04:05+00", (Type.STRING, "io.debezium.time.ZonedTimestamp"), "2026-01-02T03:04:05Z"),
    (1266, -1, b"10:15:30.5+02", (Type.STRING, "io.debezium.time.ZonedTime"), "08:15:30.5Z"),
    (
        1186,
        -1,
        b"1 year 2 mons 3 days 04:05:06.5",
        (Type.INT64, "io.debezium.time.MicroDuration"),
        int(((14 * 365.25 / 12 + 3) * 86400 + 4 * 3600 + 5 * 60 + 6.5) * 1e6),
    ),
    (1186, -1, b"-01:00:00", (Type.INT64, "io.debezium.time.MicroDuration"), -3_600_000_000),
    (
        2950,
        -1,
        b"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        (Type.STRING, "io.debezium.data.Uuid"),
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    ),
    (114, -1, b'{"a": [1, 2]}', (Type.STRING, "io.debezium.data.Json"), '{"a": [1, 2]}'),
    (3802, -1, b'{"a": 1}', (Type.STRING, "io.debezium.data.Json"), '{"a": 1}'),
    (ENUM_OID, -1, b"happy", (Type.STRING, "io.debezium.data.Enum"), "happy"),
    (1007, -1, b"{1,NULL,3}", (Type.ARRAY, None), [1, None, 3]),
    (1009, -1, b'{a,"b c",NULL}', (Type.ARRAY, None), ["a", "b c", None]),
    (3807, -1, b'{"{\\"a\\": 1}"}', (Type.ARRAY, None), ['{"a": 1}']),
    (1182, -1, b"{1970-01-02}", (Type.ARRAY, None), [1]),
    (ENUM_ARRAY_OID, -1, b"{sad,ok}", (Type.ARRAY, None), ["sad", "ok"]),
]


@pytest.mark.parametrize(("oid", "typmod", "text", "schema", "value"), CASES)
def test_value_and_schema_per_type(oid, typmod, text, schema, value):
    got_schema, got = read(oid, text, typmod)
    assert (got_schema.type, got_schema.name) == schema
    assert got_schema.optional
    assert got == value
    assert read(oid, None, typmod)[1] is None


def test_decimal_schema_carries_scale_and_precision():
    schema, _ = read(1700, b"1", NUMERIC_10_2)
    assert schema.parameters == {"scale": "2", "connect.decimal.precision": "10"}


def test_enum_schema_lists_allowed_values_and_array_items():
    assert read(ENUM_OID, b"ok")[0].parameters == {"allowed": "sad,ok,happy"}
    assert read(1007, b"{}")[0].value_schema.optional


@pytest.mark.parametrize(
    ("mode", "expected_type", "expected"),
    [("precise", Type.BYTES, Decimal("12.50")), ("double", Type.FLOAT64, 12.5), ("string", Type.STRING, "12.50")],
)
def test_decimal_handling_modes(mode, expected_type, expected):
    schema, value = read(1700, b"12.50", NUMERIC_10_2, TypeModes(decimal=mode))
    assert schema.type is expected_type and value == expected


@pytest.mark.parametrize(
    ("mode", "expected"), [("bytes", b"\x01\xff"), ("base64", "Af8="), ("base64-url-safe", "Af8="), ("hex", "01ff")]
)
def test_binary_handling_modes(mode, expected):
    assert read(17, b"\\x01ff", modes=TypeModes(binary=mode))[1] == expected


def test_time_precision_connect_gives_connect_logical_types_in_their_wire_form():
    modes = TypeModes(time_precision="connect")
    schema, value = read(1082, b"2026-01-02", modes=modes)
    assert schema.name == "org.apache.kafka.connect.data.Date" and value == 20455  # days: no year limit
    schema, value = read(1114, b"2026-01-02 03:04:05", modes=modes)
    assert schema.name == "org.apache.kafka.connect.data.Timestamp" and value == 1767323045000
    schema, _ = read(1083, b"00:00:01", modes=TypeModes(time_precision="adaptive_time_microseconds"), typmod=3)
    assert schema.name == "io.debezium.time.MicroTime"


def test_interval_string_mode_is_iso8601():
    assert read(1186, b"1 year 2 mons 3 days 04:05:06.5", modes=TypeModes(interval="string"))[1] == "P1Y2M3DT4H5M6.5S"


def test_unchanged_toast_becomes_the_placeholder_per_type():
    cols = [
        ColumnDef("id", 23, -1, False),
        ColumnDef("doc", 25, -1, True),
        ColumnDef("blob", 17, -1, True),
        ColumnDef("tags", 1009, -1, True),
    ]
    reader = TableReader("public", "t", "p.public.t", cols, ["id"], TypeModes(), TYPES.get)
    row = reader.row([b"1", UNCHANGED, UNCHANGED, UNCHANGED])
    assert row == {
        "id": 1,
        "doc": "__debezium_unavailable_value",
        "blob": b"__debezium_unavailable_value",
        "tags": ["__debezium_unavailable_value"],
    }
    assert reader.schemas.value.field("id").schema.optional is False
    assert reader.key(row) == {"id": 1}


def test_excluded_columns_leave_rows_and_schemas():
    cols = [ColumnDef("id", 23, -1, False), ColumnDef("secret", 25, -1, True)]
    reader = TableReader("public", "t", "p.public.t", cols, ["id"], TypeModes(), TYPES.get, keep=[True, False])
    assert reader.row([b"1", b"pw"]) == {"id": 1}
    assert [f.name for f in reader.schemas.value.fields] == ["id"]


def test_unknown_types_are_left_out_unless_included_as_bytes():
    assert column_mapping(123456, -1, TypeModes(), lambda oid: None).schema is None
    cols = [ColumnDef("id", 23, -1, False), ColumnDef("lsn", 3220, -1, True)]
    reader = TableReader("public", "t", "p.public.t", cols, ["id"], TypeModes(), TYPES.get)
    assert reader.row([b"1", b"0/16B3748"]) == {"id": 1}
    included = TableReader("public", "t", "p.public.t", cols, ["id"], TypeModes(include_unknown=True), TYPES.get)
    assert included.row([b"1", b"0/16B3748"]) == {"id": 1, "lsn": b"0/16B3748"}


def _tuple(*values):
    import struct

    out = struct.pack(">h", len(values))
    for v in values:
        out += b"n" if v is None else b"u" if v is UNCHANGED else b"t" + struct.pack(">i", len(v)) + v
    return b"xx" + out


def test_decoding_pgoutput_bytes_matches_the_generic_path_including_toast_and_filters():
    cols = [
        ColumnDef("id", 23, -1, False),
        ColumnDef("secret", 25, -1, True),
        ColumnDef("ts", 1184, -1, True),
        ColumnDef("doc", 25, -1, True),
    ]
    reader = TableReader(
        "public", "t", "p.public.t", cols, ["id"], TypeModes(), TYPES.get, keep=[True, False, True, True]
    )
    assert reader.decode(_tuple(b"7", b"pw", b"2026-01-02 03:04:05+00", None), 2) == {
        "id": 7,
        "ts": "2026-01-02T03:04:05.000000Z",
        "doc": None,
    }
    assert reader.decode(_tuple(b"7", b"pw", None, UNCHANGED), 2) == {
        "id": 7,
        "ts": None,
        "doc": "__debezium_unavailable_value",
    }
    assert reader.convert((8, "2026-01-02 03:04:05+00", "x")) == {
        "id": 8,
        "ts": "2026-01-02T03:04:05.000000Z",
        "doc": "x",
    }
