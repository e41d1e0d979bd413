"""Retries with backoff, and the dead-letter record layout."""

import pytest

from connect.data import RecordPosition, SourceRecord
from connect.errors import RetriableException
from connect.runtime.errors import (
    DeadLetterQueueReporter,
    ErrorConfig,
    ErrorContext,
    RetryWithToleranceOperator,
    Stage,
    ToleranceExceeded,
)
from connect.runtime.errors.context import RawMessage
from connect.runtime.errors.errant import ErrantReporter
from connect.runtime.errors.operator import SKIP


def test_retriable_errors_are_retried_until_success():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RetriableException("not yet")
        return "ok"

    op = RetryWithToleranceOperator(ErrorConfig(retry_timeout_ms=10_000, retry_delay_max_ms=1))
    assert op.execute(Stage.TASK_PUT, "x", flaky) == "ok"
    assert len(calls) == 3


def test_retry_timeout_zero_means_no_retry():
    op = RetryWithToleranceOperator(ErrorConfig(retry_timeout_ms=0, tolerance_all=True))
    calls = []

    def always():
        calls.append(1)
        raise RetriableException("down")

    assert op.execute(Stage.TASK_PUT, "x", always) is SKIP
    assert len(calls) == 1
    with pytest.raises(ToleranceExceeded, match="down"):
        RetryWithToleranceOperator(ErrorConfig()).execute(Stage.TASK_PUT, "x", always)


def test_dead_letter_record_has_original_bytes_and_context_headers():
    produced = []
    reporter = DeadLetterQueueReporter("dlq", "conn", 3, True, lambda topic, **kw: produced.append((topic, kw)))
    raw = RawMessage("orders", 2, 17, b"key", b"{bad", [("trace", b"abc")])
    try:
        raise ValueError("bad json")
    except ValueError as exc:
        reporter.report(ErrorContext(Stage.VALUE_CONVERTER, "connect.converters.json.JsonConverter", exc, raw))
    topic, kw = produced[0]
    headers = dict(kw["headers"])
    assert topic == "dlq" and kw["key"] == b"key" and kw["value"] == b"{bad"
    assert headers["trace"] == b"abc"
    assert headers["__connect.errors.topic"] == b"orders"
    assert headers["__connect.errors.partition"] == b"2"
    assert headers["__connect.errors.offset"] == b"17"
    assert headers["__connect.errors.connector.name"] == b"conn"
    assert headers["__connect.errors.task.id"] == b"3"
    assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
    assert headers["__connect.errors.exception.class.name"] == b"builtins.ValueError"
    assert headers["__connect.errors.exception.message"] == b"bad json"
    assert b"ValueError" in headers["__connect.errors.exception.stacktrace"]


def test_a_record_its_converters_cannot_serialize_is_logged_not_dead_lettered(caplog):
    produced = []

    def to_raw(record):
        raise TypeError("Type is not JSON serializable: object")

    reporter = DeadLetterQueueReporter("dlq", "conn", 0, True, lambda topic, **kw: produced.append(topic), to_raw)
    record = SourceRecord({"p": 1}, {"o": 1}, "orders", value=object())
    written = reporter.report(ErrorContext(Stage.VALUE_CONVERTER, "JsonConverter", TypeError("boom"), record=record))
    assert written is False and produced == [] and reporter.reported == 0
    assert "cannot serialize" in caplog.text


def test_dead_letter_headers_show_no_secret():
    produced = []
    reporter = DeadLetterQueueReporter("dlq", "conn", 0, True, lambda topic, **kw: produced.append(kw))
    try:
        raise ConnectionError("cannot reach http://app:dlq-secret-pw@db:5432 with password=other-secret-pw")
    except ConnectionError as exc:
        reporter.report(ErrorContext(Stage.TASK_PUT, "x.Sink", exc, RawMessage("t", 0, 1, None, b"v", [])))
    headers = b"".join(v or b"" for _, v in produced[0]["headers"])
    assert b"dlq-secret-pw" not in headers and b"other-secret-pw" not in headers
    assert b"http://app:[hidden]@db:5432" in headers


def test_metric_labels_show_no_secret():
    from prometheus_client import REGISTRY, generate_latest

    from connect.runtime.metrics import TaskMetrics

    TaskMetrics("orders password=label-secret-1", 0).polled.inc()
    text = generate_latest(REGISTRY).decode()
    assert "label-secret-1" not in text and 'connector="orders password=[hidden]"' in text


def test_a_position_is_read_again_and_a_failure_under_tolerance_none_names_it():
    contexts: list[ErrorContext] = []
    read: list[RecordPosition] = []

    def reread(position: RecordPosition) -> RawMessage:
        read.append(position)
        return RawMessage(position.topic, position.kafka_partition, position.kafka_offset, b"k", b"v", [("h", b"1")])

    operator = RetryWithToleranceOperator(ErrorConfig(tolerance_all=True), [ListContexts(contexts)])
    ErrantReporter(operator, Stage.TASK_PUT, "sink", reread).report(RecordPosition("orders", 2, 17), ValueError("no"))
    [ctx] = contexts
    assert read == [RecordPosition("orders", 2, 17)] and ctx.record is None
    assert ctx.consumed is not None and (ctx.consumed.key, ctx.consumed.value) == (b"k", b"v")
    strict = ErrantReporter(RetryWithToleranceOperator(ErrorConfig()), Stage.TASK_PUT, "sink", reread)
    with pytest.raises(ToleranceExceeded, match=r"record orders-2@17: builtins.ValueError: no"):
        strict.report(RecordPosition("orders", 2, 17), ValueError("no"))


def test_a_source_task_cannot_report_a_position():
    reporter = ErrantReporter(RetryWithToleranceOperator(ErrorConfig(tolerance_all=True)), Stage.TASK_POLL, "src")
    with pytest.raises(TypeError, match="orders-0@1"):
        reporter.report(RecordPosition("orders", 0, 1), ValueError("no"))


class ListContexts:
    def __init__(self, into: list[ErrorContext]) -> None:
        self.into = into

    def report(self, ctx: ErrorContext) -> None:
        self.into.append(ctx)
