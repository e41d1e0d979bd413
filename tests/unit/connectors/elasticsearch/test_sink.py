"""The sink task with a fake Elasticsearch: committed offsets, error handling, backpressure, outages."""

from __future__ import annotations

import threading

import pytest

from connect.data import RecordPosition, SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connect.spi import TopicPartition
from connectors.elasticsearch.sink import ElasticsearchSinkTask
from tests.support.sink_context import SinkContext
from tests.unit.connectors.elasticsearch.fakes import until

TP0, TP1 = TopicPartition("items", 0), TopicPartition("items", 1)


def rec(offset, key=None, value=..., partition=0):
    value = {"n": offset} if value is ... else value
    return SinkRecord("items", partition, None, offset if key is None else key, None, value, offset)


@pytest.fixture
def make_task(fake_es, reporter):
    tasks = []

    def make(**props):
        task = ElasticsearchSinkTask(client=fake_es)
        context = SinkContext({TP0, TP1}, reporter)
        task.initialize(context)
        task.start({"connection.url": "http://es:9200", "linger.ms": "0", "retry.backoff.ms": "1", **props})
        task.open({TP0, TP1})
        tasks.append(task)
        return task, context

    yield make
    for t in tasks:
        t.stop()


def test_records_are_indexed_and_their_offsets_committed(make_task, fake_es):
    task, _ = make_task()
    task.put([rec(o) for o in range(5)] + [rec(o, partition=1) for o in range(3)])
    task.flush({})
    assert {k: v["n"] for k, v in fake_es.docs.items()} == {("items", str(o)): o for o in range(5)}
    assert task.pre_commit({TP0: 5, TP1: 3}) == {TP0: 5, TP1: 3}


def test_pre_commit_stops_at_the_first_record_not_yet_written(make_task, fake_es):
    hold = threading.Event()
    fake_es.item_status = lambda op, meta, source: None if source["n"] != 2 or hold.is_set() else 429
    task, _ = make_task(**{"max.retries": "1000"})
    task.put([rec(o) for o in range(5)])
    until(lambda: len(fake_es.docs) == 4)
    assert task.pre_commit({TP0: 5}) == {TP0: 2}  # 3 and 4 are written, but 2 is not
    hold.set()
    task.flush({})
    assert task.pre_commit({TP0: 5}) == {TP0: 5}


def test_a_malformed_document_goes_to_the_reporter_and_the_rest_are_written(make_task, fake_es, reporter):
    fake_es.item_status = lambda op, meta, source: 400 if source["n"] == 1 else None
    task, _ = make_task()
    task.put([rec(o) for o in range(3)])
    task.flush({})
    [(where, error)] = reporter.reported  # by position: the task no longer holds the record
    assert where == RecordPosition("items", 0, 1)
    assert isinstance(error, DataException) and "mapper_parsing_exception" in str(error)
    assert set(fake_es.docs) == {("items", "0"), ("items", "2")}
    assert task.pre_commit({TP0: 3}) == {TP0: 3}


@pytest.mark.parametrize("behavior", ["ignore", "warn"])
def test_malformed_documents_can_be_skipped(make_task, fake_es, reporter, behavior):
    fake_es.item_status = lambda op, meta, source: 400 if source["n"] == 1 else None
    task, _ = make_task(**{"behavior.on.malformed.documents": behavior})
    task.put([rec(o) for o in range(3)])
    task.flush({})
    assert reporter.reported == [] and task.pre_commit({TP0: 3}) == {TP0: 3}


def test_without_a_reporter_a_malformed_document_fails_the_task(fake_es):
    fake_es.item_status = lambda op, meta, source: 400
    task = ElasticsearchSinkTask(client=fake_es)
    task.initialize(SinkContext({TP0}))
    task.start({"connection.url": "http://es:9200", "linger.ms": "0"})
    task.put([rec(0)])
    with pytest.raises(ConnectException, match="mapper_parsing_exception"):
        task.flush({})
    task.stop()


def test_a_record_that_is_no_document_is_reported_or_dropped(make_task, reporter):
    task, _ = make_task()
    task.put([rec(0), rec(1, value=None), rec(2)])  # a tombstone with behavior.on.null.values=fail
    assert [r.kafka_offset for r, _ in reporter.reported] == [1]
    task.flush({})
    assert task.pre_commit({TP0: 3}) == {TP0: 3}
    dropping, _ = make_task(**{"drop.invalid.message": "true"})
    dropping.put([rec(3, value="text")])
    assert len(reporter.reported) == 1


def test_the_partitions_that_back_up_pause_while_too_much_is_buffered_and_resume_when_drained(make_task, fake_es):
    fake_es.gate = threading.Event()
    task, context = make_task(**{"max.buffered.records": "10", "batch.size": "5"})
    task.put([rec(o) for o in range(12)])
    assert context.paused == {TP0}  # partition 1 holds nothing back: it is not paused
    fake_es.gate.set()
    task.flush({})
    task.put([])
    assert context.paused == set()


def test_when_retries_are_exhausted_put_refuses_records_until_elasticsearch_is_back(make_task, fake_es):
    fake_es.down = 10**9
    task, _ = make_task(**{"max.retries": "1", "max.in.flight.requests": "1"})
    task.put([rec(0)])
    until(lambda: task._writer.stalled)
    with pytest.raises(RetriableException, match="unreachable"):
        task.put([rec(1)])
    assert task.pre_commit({TP0: 1}) == {TP0: 0}
    fake_es.down = 0
    until(lambda: not task._writer.stalled, timeout=15)
    task.put([rec(1)])  # the worker offers the refused batch again
    task.flush({})
    assert set(fake_es.docs) == {("items", "0"), ("items", "1")} and task.pre_commit({TP0: 2}) == {TP0: 2}


def test_a_schema_mapping_is_created_once_per_index(make_task, fake_es):
    from connect.data import INT64_SCHEMA, Schema

    schema = Schema.struct("Item", [("n", INT64_SCHEMA)])
    task, _ = make_task()
    task.put([SinkRecord("Items", 0, None, o, schema, {"n": o}, o) for o in range(3)])
    assert fake_es.indexes == {"items": {"properties": {"n": {"type": "long"}}}}
    ignoring, _ = make_task(**{"schema.ignore": "true"})
    ignoring.put([SinkRecord("Other", 0, None, 1, schema, {"n": 1}, 0)])
    assert fake_es.indexes["other"] is None


def test_closed_partitions_are_forgotten(make_task, fake_es):
    fake_es.gate = threading.Event()
    task, _ = make_task(**{"batch.size": "1", "max.in.flight.requests": "1"})
    task.put([rec(0), rec(1), rec(0, key=100, partition=1)])
    task.close({TP1})  # the record of partition 1 is still waiting: it is not written
    fake_es.gate.set()
    task.flush({})
    assert set(fake_es.docs) == {("items", "0"), ("items", "1")} and task.pre_commit({TP0: 2}) == {TP0: 2}
    # Asked again about the closed partition (a revocation after the close), the task vouches for none of it.
    assert task.pre_commit({TP0: 2, TP1: 1}) == {TP0: 2}
    task.open({TP1})  # assigned again: its records count from the committed offset
    task.put([rec(0, key=100, partition=1)])
    task.flush({})
    assert task.pre_commit({TP1: 1}) == {TP1: 1}


def test_a_write_refused_for_a_reason_that_is_not_the_documents_fails_the_task(make_task, fake_es, reporter):
    fake_es.item_status = lambda op, meta, source: 403  # e.g. an index with a write block
    task, _ = make_task()
    task.put([rec(0)])
    with pytest.raises(ConnectException, match="refused a write to index items"):
        task.flush({})
    assert reporter.reported == []  # nothing is dead-lettered for a blocked index
    with pytest.raises(ConnectException):
        task.pre_commit({TP0: 1})
