"""TimestampConverter: text, unix numbers, Date, Time and Timestamp, whole values and fields."""

import datetime as dt

import pytest

from connect.data import INT32_SCHEMA, INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Schema
from connect.data.logical import DATE, TIME, TIMESTAMP, date_schema, timestamp_schema
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, source
from transforms.timestamp_converter import TimestampConverterKey, TimestampConverterValue

UTC = dt.UTC
TS = dt.datetime(2024, 1, 31, 10, 15, 30, 250_000, tzinfo=UTC)
MS = 1706696130250
FMT = "yyyy-MM-dd HH:mm:ss.SSS"


@pytest.mark.parametrize(
    ("props", "value", "expected"),
    [
        ({"target.type": "unix"}, TS, MS),
        ({"target.type": "unix", "unix.precision": "seconds"}, TS, MS // 1000),
        ({"target.type": "unix", "unix.precision": "microseconds"}, TS, MS * 1000),
        ({"target.type": "Timestamp"}, MS, TS),
        ({"target.type": "Timestamp", "unix.precision": "nanoseconds"}, MS * 1_000_000 + 999, TS),
        (
            {"target.type": "Timestamp", "unix.precision": "seconds"},
            -1,
            dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        ),
        ({"target.type": "string", "format": FMT}, MS, "2024-01-31 10:15:30.250"),
        ({"target.type": "unix", "format": FMT}, "2024-01-31 10:15:30.250", MS),
        ({"target.type": "Date"}, MS, dt.date(2024, 1, 31)),
        ({"target.type": "Time"}, MS, dt.time(10, 15, 30, 250_000)),
        ({"target.type": "Date"}, -1, dt.date(1969, 12, 31)),
        ({"target.type": "unix"}, dt.date(1970, 1, 2), 86_400_000),
        ({"target.type": "unix"}, None, None),
    ],
)
def test_whole_value_without_schema(props, value, expected):
    out = configured(TimestampConverterValue, props).apply(source(value))
    assert out.value == expected and out.value_schema is None


def test_a_field_of_a_map_and_a_missing_field_becomes_null():
    convert = configured(TimestampConverterValue, field="ts", target__type="Timestamp")
    assert convert.apply(source({"ts": MS, "x": 1})).value == {"ts": TS, "x": 1}
    assert convert.apply(source({"x": 1})).value == {"x": 1, "ts": None}


ROW = Schema.struct(
    "row",
    [("id", INT32_SCHEMA), ("ts", INT64_SCHEMA), ("seen", OPTIONAL_STRING_SCHEMA), ("day", date_schema(optional=True))],
    optional=True,
    version=2,
)


@pytest.mark.parametrize(
    ("props", "value", "expected", "name"),
    [
        ({"field": "ts", "target.type": "Timestamp"}, MS, TS, TIMESTAMP),
        ({"field": "seen", "target.type": "Date", "format": "dd/MM/yyyy"}, "31/01/2024", dt.date(2024, 1, 31), DATE),
        ({"field": "day", "target.type": "string", "format": "yyyyMMdd"}, dt.date(2024, 1, 31), "20240131", None),
        ({"field": "ts", "target.type": "Time"}, MS, dt.time(10, 15, 30, 250_000), TIME),
    ],
)
def test_a_field_with_schema(props, value, expected, name):
    field = props["field"]
    record = {"id": 1, "ts": 0, "seen": None, "day": None, field: value}
    convert = configured(TimestampConverterValue, props)
    out = convert.apply(source(record, ROW))
    assert out.value[field] == expected and out.value["id"] == 1
    schema = out.value_schema.field(field).schema
    assert schema.name == name and schema.optional == ROW.field(field).schema.optional
    assert (out.value_schema.name, out.value_schema.version, out.value_schema.optional) == ("row", 2, True)
    assert convert.apply(source(record, ROW)).value_schema is out.value_schema
    assert convert.apply(source(None, ROW)).value is None


def test_whole_value_with_schema():
    out = configured(TimestampConverterKey, target__type="string", format="yyyy").apply(
        source("v", key=TS, key_schema=timestamp_schema(optional=True))
    )
    assert (out.key, out.key_schema) == ("2024", OPTIONAL_STRING_SCHEMA)
    to_unix = configured(TimestampConverterValue, target__type="unix", format="yyyy")
    parsed = to_unix.apply(source("1971", STRING_SCHEMA))
    assert (parsed.value, parsed.value_schema) == (365 * 86_400_000, INT64_SCHEMA)


@pytest.mark.parametrize(
    ("props", "value", "schema", "message"),
    [
        ({"target.type": "unix", "format": "yyyy-MM-dd"}, "31/01/2024", None, "does not match pattern"),
        ({"target.type": "unix"}, "2024-01-31", None, "needs `format`"),
        ({"target.type": "unix"}, 1.5, None, "does not support float"),
        ({"target.type": "unix"}, {"a": 1}, None, "does not support dict"),
        ({"target.type": "Timestamp"}, 2**62, None, "cannot be converted"),
        ({"target.type": "unix"}, 5, INT32_SCHEMA, "does not correspond to a known timestamp type"),
        ({"target.type": "unix", "field": "id"}, {"id": 5}, ROW, "does not correspond to a known timestamp type"),
        ({"target.type": "unix", "field": "x"}, [1], None, "Only Map objects"),
    ],
)
def test_what_cannot_be_converted_is_a_data_error(props, value, schema, message):
    with pytest.raises(DataException, match=message):
        configured(TimestampConverterValue, props).apply(source(value, schema))


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({}, "target.type"),
        ({"target.type": "date"}, "target.type"),
        ({"target.type": "string"}, "format"),
        ({"target.type": "unix", "format": "yyyy-qq"}, "format"),
        ({"target.type": "unix", "unix.precision": "minutes"}, "unix.precision"),
    ],
)
def test_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(TimestampConverterValue, props)
    assert info.value.name == key
