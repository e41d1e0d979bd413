"""The batching sink base: reports after the write in offset order, refuses while stalled, pauses only the
partitions that back up; and the in-place retries every sink's own retry loop counts with."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connect.data import SinkRecord
from connect.errors import ConnectException, DataException, RetriableException
from connect.spi import TopicPartition
from connect.spi.batching import BatchingSinkTask, Rejected
from connect.spi.outages import Retries
from tests.support.sink_context import ListReporter, SinkContext

A, B, C = TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("t", 2)


def rec(tp: TopicPartition, offset: int, value: object = "ok") -> SinkRecord:
    return SinkRecord(tp.topic, tp.partition, None, None, None, value, offset)


class Sink(BatchingSinkTask):
    """Writes string values into `written`; refuses other values; its backlog is set by the test."""

    target = "the list"

    def start(self, props: Mapping[str, str]) -> None:
        self.written: list[SinkRecord] = []
        self.waiting: dict[TopicPartition, int] = {}
        self.why_stalled: str | None = None
        self.broken: str | None = None
        self.backlog_limit = int(props.get("limit", "0"))

    def write(self, batch: list[SinkRecord]) -> list[Rejected]:
        reporter = self.context.errant_record_reporter if self.context is not None else None
        self.reports_when_writing = len(reporter.reported) if isinstance(reporter, ListReporter) else 0
        self.written += [r for r in batch if isinstance(r.value, str)]
        return [(r, DataException("not a string")) for r in reversed(batch) if not isinstance(r.value, str)]

    def check_failure(self) -> None:
        if self.broken is not None:
            raise ConnectException(self.broken)

    def stalled(self) -> str | None:
        return self.why_stalled

    def backlog(self) -> Mapping[TopicPartition, int]:
        return self.waiting

    def stop(self) -> None:
        pass


def started(**props: str) -> tuple[Sink, SinkContext]:
    sink, context = Sink(), SinkContext({A, B, C}, ListReporter())
    sink.initialize(context)  # type: ignore[arg-type]
    sink.start(props)
    return sink, context


def reported(context: SinkContext) -> list[int]:
    assert context.errant_record_reporter is not None
    return [r.kafka_offset for r, _e in context.errant_record_reporter.reported]


def test_refused_records_are_reported_after_the_write_in_offset_order():
    sink, context = started()
    sink.put([rec(A, 0), rec(A, 1, 1), rec(B, 2), rec(A, 3, 3)])
    assert [r.kafka_offset for r in sink.written] == [0, 2] and reported(context) == [1, 3]
    assert sink.reports_when_writing == 0


def test_while_stalled_nothing_is_written_or_reported_and_a_failure_fails_the_task():
    sink, context = started()
    sink.why_stalled = "no connection"
    with pytest.raises(RetriableException, match=r"the list is not accepting writes \(no connection\)"):
        sink.put([rec(A, 0), rec(A, 1, 1)])
    assert sink.written == [] and reported(context) == []
    sink.why_stalled, sink.broken = None, "index blocked"
    with pytest.raises(ConnectException, match="index blocked"):
        sink.put([rec(A, 0)])
    with pytest.raises(ConnectException, match="index blocked"):
        sink.pre_commit({A: 1})


def test_records_rejected_later_are_reported_by_the_task_thread_then_released():
    sink, context = started()
    released: list[int] = []
    late = rec(B, 7, 7)
    thread = threading.Thread(
        target=sink.reject_later, args=(late, DataException("mapping"), lambda: released.append(7))
    )
    thread.start()
    thread.join()
    assert reported(context) == [] and released == []
    assert sink.pre_commit({A: 1}) == {A: 1}
    assert reported(context) == [7] and released == [7]


def test_without_a_reporter_a_refused_record_raises_naming_where_it_was_read():
    sink = Sink()
    sink.initialize(SinkContext({A}))  # type: ignore[arg-type]
    sink.start({})
    with pytest.raises(DataException, match=r"record t-0@4: not a string"):
        sink.put([rec(A, 4, 4)])


@given(st.lists(st.dictionaries(st.sampled_from([A, B, C]), st.integers(0, 30)), min_size=1, max_size=12))
def test_only_the_partitions_holding_the_backlog_pause_and_they_resume_at_half_the_limit(backlogs):
    sink, context = started(limit="20")
    for backlog in backlogs:
        was_paused = set(context.paused)
        sink.waiting = backlog
        sink.put([])
        total = sum(backlog.values())
        if total > 20:
            assert context.paused == was_paused | {tp for tp, n in backlog.items() if n}
        elif total <= 10:
            assert context.paused == set()
        else:
            assert context.paused == was_paused  # between half and the limit: as it was


def test_a_partition_taken_away_is_no_longer_resumed():
    sink, context = started(limit="5")
    sink.waiting = {A: 6}
    sink.put([])
    sink.close([A])
    context.partitions.discard(A)
    sink.waiting = {}
    sink.put([])
    assert context.paused == {A}  # not resumed by this task: the runtime forgot it with the assignment


def test_retries_wait_the_outage_backoff_from_the_initial_wait_and_stall_after_so_many():
    retries = Retries("writes", initial_ms=100, stall_after=3)
    with retries.attempts() as attempt:
        delays = [attempt.failed(f"failure {n}") for n in range(1, 6)]
        assert 0.05 <= delays[0] <= 0.1 and 0.2 <= delays[2] <= 0.4 and all(d <= 5 for d in delays)
        assert attempt.count == 5 and retries.stalled == "failure 5"
        with retries.attempts() as other:
            other.failed("other")
        assert retries.stalled == "other"  # the first piece of work still fails
    assert retries.stalled is None
    with retries.attempts() as attempt:
        attempt.failed("once")
    assert retries.stalled is None  # fewer failures than stall_after


def test_retries_count_stalled_work_from_many_threads():
    retries = Retries("requests", initial_ms=1, stall_after=1)
    inside, leave = threading.Barrier(9), threading.Event()

    def work() -> None:
        with retries.attempts() as attempt:
            attempt.failed("down")
            inside.wait()
            leave.wait()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    inside.wait()
    assert retries.stalled == "down"
    leave.set()
    for t in threads:
        t.join()
    assert retries.stalled is None
