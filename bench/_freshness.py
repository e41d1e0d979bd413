"""From the latency bench's clock readings to latencies: transactions as writers saw them, commit times, figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from _percentiles import Summary, duration, summarize


@dataclass(frozen=True)
class Commit:
    """One transaction as its writer saw it: its rows and the writer's clock (time_ns) around COMMIT."""

    rows: range
    sent_ns: int  # just before COMMIT was sent
    returned_ns: int  # just after it returned


def first_row(tx: int, tx_rows: int) -> int:
    """Transaction number `tx` (0, 1, ...) holds rows first_row .. first_row + tx_rows - 1."""
    return tx * tx_rows + 1


def commits(stamps: Mapping[int, Sequence[int]], writers: int, tx_rows: int) -> list[Commit]:
    """The transactions of every writer, in commit order. Writer w's j-th transaction is number
    j * writers + w; its stamps are (sent, returned) pairs in the order it committed them."""
    out = []
    for w, s in stamps.items():
        for j in range(len(s) // 2):
            lo = first_row(j * writers + w, tx_rows)
            out.append(Commit(range(lo, lo + tx_rows), s[2 * j], s[2 * j + 1]))
    return sorted(out, key=lambda c: c.sent_ns)


def commit_times(measured: Sequence[Commit], events: Mapping[int, tuple[int, int]]) -> tuple[dict[int, int], str]:
    """Each row's commit time in ns, from its transaction's `source.ts_us` (events: row → (append ms, ts_us)),
    and a note saying how many of those fell inside the writer's own COMMIT window."""
    times: dict[int, int] = {}
    inside = checked = 0
    lead = []
    for commit in measured:
        event = events.get(commit.rows[0])
        if event is None:
            continue
        ts_ns = event[1] * 1000
        checked += 1
        # The window's ends are read in ns, the commit time in µs: allow the µs.
        if commit.sent_ns - 1000 <= ts_ns <= commit.returned_ns + 1000:
            inside += 1
        lead.append((commit.returned_ns - ts_ns) / 1e9)
        for row in commit.rows:
            times[row] = ts_ns
    spread = summarize(lead)
    note = (
        f"commit clock: source.ts_us inside the writer's COMMIT window for {inside:,} of {checked:,} transactions "
        f"({100 * inside / max(checked, 1):.1f}%); commit_ts → COMMIT returned to the writer"
        + ("" if spread is None else f" p50 {duration(spread.p50)}, p99 {duration(spread.p99)}")
    )
    return times, note


@dataclass(frozen=True)
class Figures:
    """One pipeline's latencies over the measured rows, and how many rows never arrived."""

    kafka: Summary | None
    search: Summary | None
    kafka_to_search: Summary | None
    missing_kafka: int
    missing_search: int


def figures(
    measured: Sequence[Commit],
    committed_at: Mapping[int, int],
    events: Mapping[int, tuple[int, int]],
    searchable: Mapping[int, int] | None,
) -> Figures:
    """Latencies in seconds of every measured row, from its commit time (ns; the writer's return when unknown)
    to its event's broker append time (ms) and to the time (ns) a search first returned it."""
    to_kafka, to_search, kafka_to_search = [], [], []
    missing_kafka = missing_search = 0
    for commit in measured:
        for row in commit.rows:
            committed = committed_at.get(row, commit.returned_ns)
            event = events.get(row)
            appended = None if event is None else event[0] * 1_000_000
            if appended is None:
                missing_kafka += 1
            else:
                to_kafka.append((appended - committed) / 1e9)
            if searchable is None:
                continue
            found = searchable.get(row)
            if found is None:
                missing_search += 1
                continue
            to_search.append((found - committed) / 1e9)
            if appended is not None:
                kafka_to_search.append((found - appended) / 1e9)
    return Figures(
        summarize(to_kafka),
        None if searchable is None else summarize(to_search),
        None if searchable is None else summarize(kafka_to_search),
        missing_kafka,
        missing_search,
    )


def sink_legs(
    measured: Sequence[Commit],
    events: Mapping[int, tuple[int, int]],
    arrived: Mapping[int, int],
    answered: Mapping[int, int],
    searchable: Mapping[int, int],
) -> tuple[Summary | None, Summary | None, Summary | None]:
    """Kafka → searchable in three legs, from the bulk tracing proxy's times (ns): broker append (ms) → the
    `_bulk` holding the row reached Elasticsearch → Elasticsearch answered it → a search first returned it."""
    legs: tuple[list[float], list[float], list[float]] = ([], [], [])
    for commit in measured:
        for row in commit.rows:
            event, came, done, found = events.get(row), arrived.get(row), answered.get(row), searchable.get(row)
            if event is None or came is None or done is None or found is None:
                continue
            legs[0].append((came - event[0] * 1_000_000) / 1e9)
            legs[1].append((done - came) / 1e9)
            legs[2].append((found - done) / 1e9)
    return summarize(legs[0]), summarize(legs[1]), summarize(legs[2])
