"""Schemas, logical types and records."""

import datetime as dt
from decimal import Decimal

import pytest

from connect.data import (
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SinkRecord,
    SourceRecord,
    Type,
    logical,
)
from connect.errors import DataException

USER = Schema.struct("user", [("id", INT64_SCHEMA), ("email", OPTIONAL_STRING_SCHEMA)])


def test_struct_schema_fields_and_equality():
    assert USER.field("email").index == 1
    assert Schema.struct("user", [("id", INT64_SCHEMA), ("email", OPTIONAL_STRING_SCHEMA)]) == USER
    assert hash(USER) == hash(Schema.struct("user", [("id", INT64_SCHEMA), ("email", OPTIONAL_STRING_SCHEMA)]))
    with pytest.raises(DataException, match="'nope' is not a field"):
        USER.field("nope")


def test_validate_names_the_bad_field():
    USER.validate({"id": 1, "email": None})
    with pytest.raises(DataException, match=r"user\.id"):
        USER.validate({"id": "one"})
    with pytest.raises(DataException, match="null value for a required"):
        Schema(Type.STRING).validate(None)


@pytest.mark.parametrize("value", [Decimal("0"), Decimal("-12.345"), Decimal("98765432109876.543"), Decimal("0.001")])
def test_decimal_bytes_round_trip(value):
    assert logical.decimal_from_bytes(logical.decimal_to_bytes(value, 3), 3) == value


def test_time_and_date_encodings():
    assert logical.date_to_days(dt.date(1970, 1, 2)) == 1
    assert logical.days_to_date(-1) == dt.date(1969, 12, 31)
    assert logical.time_to_millis(dt.time(1, 0, 0, 5000)) == 3_600_005
    assert logical.millis_to_time(3_600_005) == dt.time(1, 0, 0, 5000)
    ts = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC)
    assert logical.millis_to_timestamp(logical.timestamp_to_millis(ts)) == ts


def test_replace_copies_and_keeps_original_position():
    record = SinkRecord("orders", 2, STRING_SCHEMA, "k", None, {"a": 1}, 41)
    renamed = record.replace(topic="orders-v2")
    assert (renamed.topic, renamed.original_topic, renamed.kafka_offset) == ("orders-v2", "orders", 41)
    assert record.topic == "orders"
    with pytest.raises(TypeError):
        record.replace(nope=1)


def test_headers_last_with_name():
    record = SourceRecord({"p": 1}, {"o": 1}, "t").with_header("h", 1).with_header("h", 2)
    assert record.header("h").value == 2
    assert record.header("missing") is None
