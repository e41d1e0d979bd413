"""The Elasticsearch sink task against the real Elasticsearch: documents, versions, envelopes, rejections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from connect.data import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA, RecordPosition, Schema, SinkRecord
from connect.data.logical import timestamp_schema
from connect.errors import DataException
from connect.spi import TopicPartition
from connectors.elasticsearch.sink import ElasticsearchSinkTask
from tests.integration.connectors.elasticsearch.es_index import EsIndex
from tests.support.sink_context import ListReporter, SinkContext

ROW = Schema.struct("shop.public.items.Value", [("id", INT64_SCHEMA), ("name", OPTIONAL_STRING_SCHEMA)], optional=True)
ENVELOPE = Schema.struct("shop.public.items.Envelope", [("before", ROW), ("after", ROW), ("op", STRING_SCHEMA)])


@pytest.fixture
def target(services, unique_name) -> Iterator[EsIndex]:
    with EsIndex(services.es_url, unique_name) as idx:
        yield idx


@pytest.fixture
def start(services, target) -> Iterator[Any]:
    started: list[ElasticsearchSinkTask] = []

    def make(**props: str) -> tuple[ElasticsearchSinkTask, SinkContext]:
        task, context = ElasticsearchSinkTask(), SinkContext({TopicPartition(target.topic, 0)})
        task.initialize(context)
        task.start({"connection.url": services.es_url, **props})
        started.append(task)
        return task, context

    yield make
    for task in started:
        task.stop()


def rec(topic: str, offset: int, key: Any, value: Any, schema: Schema | None = None) -> SinkRecord:
    return SinkRecord(topic, 0, None, key, schema, value, offset)


def test_insert_update_and_delete_then_commit_every_offset(start, target):
    task, _ = start(**{"behavior.on.null.values": "delete"})
    t = target.topic
    task.put(
        [
            rec(t, 0, "a", {"name": "apple"}),
            rec(t, 1, "b", {"name": "pear"}),
            rec(t, 2, "c", {"name": "fig"}),
            rec(t, 3, "b", {"name": "pear, ripe"}),
            rec(t, 4, "a", None),
        ]
    )
    task.flush({})
    assert target.sources() == {"b": {"name": "pear, ripe"}, "c": {"name": "fig"}}
    assert task.pre_commit({TopicPartition(t, 0): 5}) == {TopicPartition(t, 0): 5}


def test_upsert_updates_only_the_fields_a_record_holds(start, target):
    task, _ = start(**{"write.method": "upsert"})
    t = target.topic
    task.put([rec(t, 0, 1, {"name": "apple", "stock": 3}), rec(t, 1, 1, {"stock": 2}), rec(t, 2, 2, {"stock": 9})])
    task.flush({})
    assert target.sources() == {"1": {"name": "apple", "stock": 2}, "2": {"stock": 9}}


def test_key_ignore_ids_are_topic_partition_offset(start, target):
    task, _ = start(**{"key.ignore": "true"})
    t = target.topic
    task.put([rec(t, 0, None, {"n": 0}), rec(t, 1, None, {"n": 1})])
    task.flush({})
    assert target.sources() == {f"{t}+0+0": {"n": 0}, f"{t}+0+1": {"n": 1}}


def test_an_older_or_replayed_write_never_overwrites_a_newer_document(start, target):
    task, _ = start()
    t = target.topic
    task.put([rec(t, 10, {"id": 7}, {"name": "new"})])
    task.flush({})
    # A replay after a crash, and a late write from an older offset: both are rejected by version.
    task.put([rec(t, 10, {"id": 7}, {"name": "new, replayed"}), rec(t, 4, {"id": 7}, {"name": "old"})])
    task.flush({})
    assert target.documents() == {"7": ({"name": "new"}, 10)}
    assert task.pre_commit({TopicPartition(t, 0): 11}) == {TopicPartition(t, 0): 11}


def test_a_document_that_conflicts_with_the_mapping_is_reported_and_the_rest_indexed(start, target):
    reporter = ListReporter()
    task, context = start()
    context.errant_record_reporter = reporter
    schema = Schema.struct("Item", [("id", INT64_SCHEMA), ("at", timestamp_schema())])
    t, at = target.topic, dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    task.put(
        [
            rec(t, 0, 1, {"id": 1, "at": at}, schema),
            rec(t, 1, 2, {"id": "two", "at": at}),
            rec(t, 2, 3, {"id": 3, "at": at}, schema),
        ]
    )
    task.flush({})
    assert target.mapping() == {"id": {"type": "long"}, "at": {"type": "date"}}
    [(where, error)] = reporter.reported
    assert where == RecordPosition(t, 0, 1) and isinstance(error, DataException)
    assert "document_parsing_exception" in str(error) and "[id]" in str(error)
    stamp = "2026-11-23T08:00:00Z"
    assert target.sources() == {"1": {"id": 1, "at": stamp}, "3": {"id": 3, "at": stamp}}
    assert task.pre_commit({TopicPartition(t, 0): 3}) == {TopicPartition(t, 0): 3}


def envelope(op: str, before: dict | None, after: dict | None) -> dict[str, Any]:
    return {"before": before, "after": after, "op": op}


@pytest.mark.parametrize("with_schema", [True, False], ids=["schema", "schemaless"])
def test_debezium_envelopes_index_the_after_image_and_deletes_remove(start, target, with_schema):
    task, _ = start()
    t, schema = target.topic, ENVELOPE if with_schema else None

    def event(offset: int, key: int, op: str, before: dict | None, after: dict | None) -> SinkRecord:
        value = envelope(op, before, after)
        if schema is None:  # schemaless envelopes are recognised by their fields
            value |= {"source": {"table": "items"}, "ts_ms": 1}
        return rec(t, offset, {"id": key}, value, schema)

    task.put(
        [
            event(0, 1, "r", None, {"id": 1, "name": "one"}),
            event(1, 2, "c", None, {"id": 2, "name": "two"}),
            event(2, 1, "u", {"id": 1, "name": "one"}, {"id": 1, "name": "uno"}),
            event(3, 2, "d", {"id": 2, "name": "two"}, None),
            event(4, 3, "c", None, {"id": 3, "name": None}),
        ]
    )
    task.flush({})
    assert target.sources() == {"1": {"id": 1, "name": "uno"}, "3": {"id": 3, "name": None}}
    if with_schema:
        assert target.mapping()["id"] == {"type": "long"}


def test_tombstones_follow_behavior_on_null_values(start, target):
    t = target.topic
    reporter = ListReporter()
    failing, context = start()  # behavior.on.null.values=fail, the default
    context.errant_record_reporter = reporter
    failing.put([rec(t, 0, "a", {"n": 0}), rec(t, 1, "a", None)])
    failing.flush({})
    assert [r.kafka_offset for r, _ in reporter.reported] == [1]
    assert target.sources() == {"a": {"n": 0}}
    ignoring, _ = start(**{"behavior.on.null.values": "ignore"})
    ignoring.put([rec(t, 2, "a", None)])
    ignoring.flush({})
    assert target.sources() == {"a": {"n": 0}}
    assert ignoring.pre_commit({TopicPartition(t, 0): 3}) == {TopicPartition(t, 0): 3}
    deleting, _ = start(**{"behavior.on.null.values": "delete"})
    deleting.put([rec(t, 3, "a", None)])
    deleting.flush({})
    assert target.sources() == {}
