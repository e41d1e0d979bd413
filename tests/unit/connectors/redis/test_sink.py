"""The sink task with a fake client: retries and backoff, giving up, records Redis refuses, bad records."""

from __future__ import annotations

import time

import pytest
from redis.exceptions import NoPermissionError, ReadOnlyError

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connectors.redis.client import TransientError
from connectors.redis.sink import RedisSinkTask
from tests.support.sink_context import ListReporter, SinkContext
from tests.unit.connectors.redis.fakes import FakeClient


def rec(offset, value=..., key=None):
    return SinkRecord(
        "items", 0, None, offset if key is None else key, None, {"n": offset} if value is ... else value, offset
    )


@pytest.fixture
def client():
    return FakeClient()


@pytest.fixture
def make_task(client):
    tasks = []

    def make(reporter=..., **props):
        task = RedisSinkTask(client=client)
        task.initialize(SinkContext(set(), ListReporter() if reporter is ... else reporter))
        task.start({"redis.type": "HASH", **props})
        tasks.append(task)
        return task

    yield make
    for t in tasks:
        t.stop()


def test_put_writes_the_batch_in_one_pipeline_before_returning(make_task, client):
    task = make_task(**{"redis.multiexec": "true"})
    task.put([rec(0), rec(1)])
    assert len(client.batches) == 1 and client.batches[0][1] is True
    assert client.redis.keys() == {"items:0", "items:1"}
    assert task.pre_commit({}) == {}  # nothing held back: the default pre_commit commits what was put


def test_a_connection_failure_asks_for_the_batch_again_at_once_for_as_long_as_redis_is_down(make_task, client):
    task = make_task()
    client.fail(50)  # an outage: no retry limit, and the task never sleeps (the worker owns the backoff)
    started = time.monotonic()
    for _ in range(50):
        with pytest.raises(RetriableException, match="Connection refused; the batch will be written once Redis"):
            task.put([rec(0)])
    assert time.monotonic() - started < 5
    task.put([rec(0)])
    assert client.redis.keys() == {"items:0"}


def test_a_transient_refusal_inside_the_results_is_retried_like_a_lost_connection(make_task, client):
    task = make_task()
    client.execute = lambda commands, transaction: [ReadOnlyError("READONLY You can't write against a replica")]
    with pytest.raises(RetriableException, match="READONLY"):
        task.put([rec(0)])


def test_a_user_without_write_permission_fails_the_task(make_task, client):
    task = make_task()
    client.execute = lambda commands, transaction: [NoPermissionError("NOPERM no permissions to run 'del'")] * 2
    with pytest.raises(ConnectException, match="does not let this user write: NOPERM"):
        task.put([rec(0)])


def test_a_record_redis_refuses_goes_to_the_error_handling_and_the_rest_is_written(make_task, client):
    reporter = ListReporter()
    task = make_task(reporter=reporter, **{"redis.type": "STRING"})
    client.redis.run([("HSET", "items:1", "f", "v")])
    task.put([rec(0, "a"), rec(1, "b"), rec(2, "c")])
    assert client.redis.keys() == {"items:0", "items:1", "items:2"}
    assert client.redis.value("items:1") == b"b"  # SET replaces a key of any type
    task = make_task(reporter=reporter, **{"redis.type": "SET", "redis.key.prefix": "items:1"})
    task.put([rec(7, "x"), rec(8, "y")])  # the "set" is a hash: WRONGTYPE for both
    assert [(r.kafka_offset, str(e)) for r, e in reporter.reported] == [
        (
            7,
            "Redis refused the write of this record: WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        (
            8,
            "Redis refused the write of this record: WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
    ]


def test_bad_records_are_reported_once_after_the_batch_is_written(make_task, client):
    reporter = ListReporter()
    task = make_task(reporter=reporter)
    batch = [rec(0), rec(1, "not a struct"), rec(2)]
    client.fail(1)
    with pytest.raises(RetriableException):
        task.put(batch)
    assert reporter.reported == []  # the worker offers the batch again: reporting now would report it twice
    task.put(batch)
    assert [(r.kafka_offset, type(e)) for r, e in reporter.reported] == [(1, DataException)]
    assert client.redis.keys() == {"items:0", "items:2"}


def test_without_an_errant_record_reporter_a_bad_record_raises_a_data_error(make_task):
    task = make_task(reporter=None)
    with pytest.raises(DataException, match=r"record items-0@1: redis.type=HASH needs a struct or map value"):
        task.put([rec(0), rec(1, 5)])


def test_a_task_starts_while_redis_is_down_and_fails_at_start_for_what_no_retry_fixes(client):
    client.connect_error = TransientError("cannot reach Redis at localhost:6379: Connection refused")
    task = RedisSinkTask(client=client)
    task.initialize(SinkContext(set()))
    task.start({"redis.type": "HASH"})
    client.connect_error = ConnectException("redis.type=JSON writes with JSON.SET, which ... does not have")
    with pytest.raises(ConnectException, match=r"JSON\.SET"):
        RedisSinkTask(client=client).start({"redis.type": "JSON"})
