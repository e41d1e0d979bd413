"""The outage rule: backoff bounds, the outage state a task reports, and the rate-limited client logs."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from connect.log_filters import DemoteToDebug, RateLimitFilter
from connect.runtime.outage import KAFKA, Outage, OutageInfo
from connect.spi.outages import BACKOFF_INITIAL_S, BACKOFF_MAX_S, backoff


@given(st.integers(min_value=-5, max_value=10_000))
def test_backoff_doubles_from_the_initial_wait_and_never_exceeds_the_cap(attempt):
    ceiling = min(BACKOFF_MAX_S, BACKOFF_INITIAL_S * 2 ** min(max(attempt, 1) - 1, 10))
    assert ceiling / 2 <= backoff(attempt) <= ceiling


def outage() -> tuple[Outage, list[OutageInfo | None]]:
    seen: list[OutageInfo | None] = []
    return Outage("unit-outage", 0, seen.append), seen


def test_an_outage_is_reported_with_its_reason_and_start_and_ends_with_progress():
    state, seen = outage()
    delays = [state.failed("Redis at 127.0.0.1:6379 unreachable") for _ in range(6)]
    assert all(d <= BACKOFF_MAX_S for d in delays) and delays[-1] >= BACKOFF_MAX_S / 2  # grew to the cap
    info = state.current
    assert info is not None and info.attempts == 6 and info.since == seen[0].since  # type: ignore[union-attr]
    assert "Redis at 127.0.0.1:6379 unreachable" in info.trace() and "Waiting since" in info.trace()
    assert info.to_json()["since"].endswith("Z")
    state.progress()
    assert state.current is None and seen[-1] is None
    state.progress()  # no outage: nothing to report
    assert len(seen) == 7


def test_kafka_and_the_target_are_waited_for_separately():
    state, _ = outage()
    state.failed("Postgres down")
    state.failed("Kafka unreachable", KAFKA)
    assert state.current is not None and state.current.reason == "Postgres down; Kafka unreachable"
    state.progress()  # the source's own system answered: Kafka is still down
    assert state.current is not None and state.current.reason == "Kafka unreachable"
    assert state.waiting_for(KAFKA)
    state.progress(KAFKA)
    assert state.current is None


def record(message: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("x", level, __file__, 1, message, None, None)


def test_repeated_lines_are_held_back_and_counted():
    limit = RateLimitFilter(window_s=60)
    lines = [record(f"Connect to 127.0.0.1:19092 failed (after {n}ms)") for n in range(50)]
    passed = [r for r in lines if limit.filter(r)]
    assert len(passed) == 1
    assert limit.filter(record("another failure")) is True
    limit._seen = {k: (v[0] - 61, v[1]) for k, v in limit._seen.items()}  # the window passed
    late = record("Connect to 127.0.0.1:19092 failed (after 3ms)")
    assert limit.filter(late) and "49 similar line(s) held back" in late.getMessage()


def test_per_request_lines_go_to_debug():
    logger = logging.getLogger("unit.demote")
    logger.setLevel(logging.INFO)
    info = record("POST http://es/_bulk [status:200 duration:0.004s]", logging.INFO)
    info.name = logger.name
    assert DemoteToDebug().filter(info) is False and info.levelno == logging.DEBUG
    logger.setLevel(logging.DEBUG)
    kept = record("POST http://es/_bulk [status:200 duration:0.004s]", logging.INFO)
    kept.name = logger.name
    assert DemoteToDebug().filter(kept) is True and kept.levelname == "DEBUG"
    assert DemoteToDebug().filter(record("Node failed", logging.WARNING)) is True
