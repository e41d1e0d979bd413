"""Records become the bulk items a user expects: ids, versions, upserts, deletes, Debezium envelopes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import orjson
import pytest

from connect.data import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, Schema, SinkRecord
from connect.errors import DataException
from connectors.elasticsearch.config import EsSinkConfig
from connectors.elasticsearch.convert import DocumentConverter, index_name, render_id

ROW = Schema.struct("db.public.items.Value", [("id", INT64_SCHEMA), ("name", OPTIONAL_STRING_SCHEMA)], optional=True)
ENVELOPE = Schema.struct("db.public.items.Envelope", [("before", ROW), ("after", ROW), ("op", STRING_SCHEMA)])


def converter(**props: str) -> DocumentConverter:
    return DocumentConverter(EsSinkConfig.parse({"connection.url": "http://es:9200", **props}))


def record(value, key=1, offset=7, topic="Shop.Items", value_schema=None) -> SinkRecord:
    return SinkRecord(topic, 2, None, key, value_schema, value, offset)


def lines(action) -> list[dict]:
    return [orjson.loads(line) for line in action.payload.splitlines()]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("abc", "abc"),
        (42, "42"),
        (-3, "-3"),
        (True, "true"),
        (Decimal("1.50"), "1.50"),
        ({"id": 5}, "5"),
        ({"id": "x"}, "x"),
        ({"b": 2, "a": 1}, '{"a":1,"b":2}'),
        ({"a": 1, "b": 2}, '{"a":1,"b":2}'),
        (b"\x00\x01", "AAE="),
        ([2, 1], "[2,1]"),
    ],
)
def test_keys_render_as_stable_ids(key, expected):
    assert render_id(key) == expected


@pytest.mark.parametrize("key", [None, ""])
def test_a_missing_key_cannot_be_an_id(key):
    with pytest.raises(DataException, match="document id"):
        render_id(key)


def test_index_is_the_topic_lowercased_without_forbidden_leading_characters():
    assert index_name("Shop.Public.Orders") == "shop.public.orders"
    assert index_name("_private") == "private"
    with pytest.raises(DataException, match="RegexRouter"):
        index_name("..")


def test_insert_indexes_the_value_with_the_offset_as_external_version():
    action = converter().convert(record({"id": 1, "name": "a"}))
    assert lines(action) == [
        {"index": {"_index": "shop.items", "_id": "1", "version": 7, "version_type": "external"}},
        {"id": 1, "name": "a"},
    ]


def test_upsert_updates_only_the_given_fields_without_a_version():
    action = converter(**{"write.method": "upsert"}).convert(record({"name": "b"}, key="k"))
    meta, body = lines(action)
    assert meta == {"update": {"_index": "shop.items", "_id": "k", "retry_on_conflict": 5}}
    assert body == {"doc": {"name": "b"}, "doc_as_upsert": True}


def test_key_ignore_uses_topic_partition_offset_and_no_version():
    action = converter(**{"key.ignore": "true"}).convert(record({"n": 1}, key=None))
    assert lines(action)[0] == {"index": {"_index": "shop.items", "_id": "Shop.Items+2+7"}}


def test_values_become_json_documents():
    value = {
        "price": Decimal("12.50"),
        "day": dt.date(2024, 2, 29),
        "raw": b"hi",
        "at": dt.datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC),
        "naive": dt.datetime(2024, 1, 1),
    }
    doc = lines(converter().convert(record(value)))[1]
    assert doc == {
        "price": 12.5,
        "day": "2024-02-29",
        "raw": "aGk=",
        "at": "2024-01-02T03:04:05.600000Z",
        "naive": "2024-01-01T00:00:00Z",
    }


def test_a_value_that_is_not_a_struct_or_map_is_a_data_error():
    with pytest.raises(DataException, match="not a struct or map"):
        converter().convert(record("just text"))


class TestTombstones:
    def test_fail_by_default(self):
        with pytest.raises(DataException, match=r"behavior\.on\.null\.values"):
            converter().convert(record(None))

    def test_ignore(self):
        assert converter(**{"behavior.on.null.values": "ignore"}).convert(record(None)) is None

    def test_delete_is_versioned_in_insert_mode(self):
        action = converter(**{"behavior.on.null.values": "delete"}).convert(record(None, key={"id": 3}))
        assert lines(action) == [
            {"delete": {"_index": "shop.items", "_id": "3", "version": 7, "version_type": "external"}}
        ]

    def test_delete_without_a_key_deletes_nothing(self):
        assert converter(**{"behavior.on.null.values": "delete"}).convert(record(None, key=None)) is None

    def test_delete_in_upsert_mode_is_not_versioned(self):
        conv = converter(**{"behavior.on.null.values": "delete", "write.method": "upsert"})
        assert lines(conv.convert(record(None, key=3))) == [{"delete": {"_index": "shop.items", "_id": "3"}}]


class TestDebeziumEnvelopes:
    def envelope(self, op, before=None, after=None, schema=None):
        value = {"before": before, "after": after, "op": op, "source": {"table": "items"}, "ts_ms": 1}
        return record(value, key={"id": 1}, value_schema=schema)

    @pytest.mark.parametrize("op", ["c", "r", "u"])
    def test_the_after_image_is_indexed(self, op):
        action = converter().convert(self.envelope(op, after={"id": 1, "name": "new"}))
        assert lines(action) == [
            {"index": {"_index": "shop.items", "_id": "1", "version": 7, "version_type": "external"}},
            {"id": 1, "name": "new"},
        ]

    def test_a_delete_event_deletes_the_document(self):
        action = converter().convert(self.envelope("d", before={"id": 1, "name": "old"}))
        assert list(lines(action)[0]) == ["delete"]

    def test_truncate_writes_nothing(self):
        assert converter().convert(self.envelope("t")) is None

    def test_with_a_schema_the_document_schema_is_the_after_image(self):
        assert converter().document_schema(self.envelope("c", after={"id": 1, "name": "x"}, schema=ENVELOPE)) == ROW


def test_topic_key_ignore_applies_to_the_listed_topics_only():
    conv = converter(**{"topic.key.ignore": "Logs"})
    assert lines(conv.convert(record({"n": 1}, key=None, topic="Logs")))[0] == {
        "index": {"_index": "logs", "_id": "Logs+2+7"}
    }
    assert lines(conv.convert(record({"n": 1}, key="k")))[0]["index"]["version_type"] == "external"
