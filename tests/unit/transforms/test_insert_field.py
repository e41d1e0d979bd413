"""InsertField: topic, partition, offset, timestamp and a static value added as fields."""

import datetime as dt

import pytest

from connect.data import INT32_SCHEMA, OPTIONAL_STRING_SCHEMA, Schema, Type
from connect.data.logical import TIMESTAMP
from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, sink, source
from transforms.insert_field import InsertFieldKey, InsertFieldValue

ALL = {
    "topic.field": "t",
    "partition.field": "p!",
    "offset.field": "o?",
    "timestamp.field": "ts",
    "static.field": "s",
    "static.value": "eu",
}
ROW = Schema.struct(
    "row", [("id", INT32_SCHEMA), ("name", Schema(Type.STRING, True, "anon"))], version=2, optional=True
)


def test_without_schema_metadata_goes_into_the_map():
    out = configured(InsertFieldValue, ALL).apply(sink({"id": 1}, timestamp=1_000))
    assert out.value == {"id": 1, "t": "orders", "p": 3, "o": 42, "ts": 1_000, "s": "eu"}


def test_with_schema_fields_are_appended_with_their_optionality():
    insert = configured(InsertFieldValue, ALL)
    out = insert.apply(sink({"id": 1, "name": None}, ROW, timestamp=1_000))
    assert out.value == {
        "id": 1,
        "name": "anon",
        "t": "orders",
        "p": 3,
        "o": 42,
        "ts": dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC),
        "s": "eu",
    }
    fields = {f.name: f.schema for f in out.value_schema.fields}
    assert fields["t"] == OPTIONAL_STRING_SCHEMA
    assert (fields["p"].type, fields["p"].optional) == (Type.INT32, False)
    assert (fields["o"].type, fields["o"].optional) == (Type.INT64, True)
    assert (fields["ts"].name, fields["ts"].optional) == (TIMESTAMP, True)
    assert (out.value_schema.name, out.value_schema.version, out.value_schema.optional) == ("row", 2, False)
    assert insert.apply(sink({"id": 2}, ROW)).value_schema is out.value_schema


def test_absent_partition_and_timestamp_are_not_inserted():
    out = configured(InsertFieldValue, ALL, **{"offset.field": None}).apply(source({"id": 1}))
    assert out.value == {"id": 1, "t": "orders", "s": "eu"}


def test_offset_needs_a_sink_record():
    with pytest.raises(DataException, match="Only SinkRecord"):
        configured(InsertFieldValue, offset__field="o").apply(source({"id": 1}))


def test_null_values_pass_and_non_maps_fail():
    insert = configured(InsertFieldKey, topic__field="t")
    tombstone = source(None)
    assert insert.apply(tombstone) is tombstone
    with pytest.raises(DataException, match="Only Map objects"):
        insert.apply(source(None, key="k"))
    with pytest.raises(DataException, match="duplicate field"):
        configured(InsertFieldValue, topic__field="id").apply(source({"id": 1}, ROW))


@pytest.mark.parametrize(("props", "key"), [({}, "topic.field"), ({"static.field": "s"}, "static.value")])
def test_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(InsertFieldValue, props)
    assert info.value.name == key
