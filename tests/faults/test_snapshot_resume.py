"""An initial snapshot interrupted mid-table resumes after the last chunk Kafka acknowledged.

Two interruptions: the worker killed (SIGKILL; the restarted worker resumes from the committed offset) and
Postgres stopped with a fast shutdown (the task waits under the outage rule, RUNNING with a trace naming
Postgres, and resumes by itself once Postgres is back, with no worker restart). The table is prefilled and
updated throughout; the fault hits once a slice of it is in Kafka. Afterwards the task must say it resumed
(task status details), have read no row of a chunk whose offset was committed before the fault (only what
was in flight after it), lose no committed version, and end with table = index = cache. The writer inserts
and updates rows of its own, so the prefilled rows keep their places and the committed position says
exactly which of them were acknowledged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import psycopg
import pytest

from tests.faults.conftest import drop, fault_name
from tests.faults.pipeline import Pipeline, ScenarioReport, StatusWatch, services_command, wait_for

# 150 characters of padding make the COPY (~28 MB) far larger than the socket buffers between Postgres and the
# worker can hold, so the server is still sending when the fault hits.
ROWS, CHUNK, PAD = 150_000, 2_000, 150


@dataclass(frozen=True)
class SnapshotFault:
    name: str
    at: int  # rows in Kafka when the fault hits
    break_: Callable[[Pipeline], None]
    repair: Callable[[Pipeline], None]
    resumed: str  # the key of the snapshot's status details that says it resumed
    said: str | None  # words the task's trace and /health must show while it waits (None: the worker is down)


def _postgres_down(line: Pipeline) -> None:
    # Only while the server is blocked sending the COPY does the shutdown cut the table short: the rows already
    # in the socket buffers still reach the worker.
    with psycopg.connect(line.services.pg_dsn, autocommit=True) as conn:
        wait_for(
            lambda: conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND query LIKE 'COPY%%' "
                "AND wait_event = 'ClientWrite'",
                (f"sluice-{line.name}",),
            ).fetchone(),
            30,
            "the snapshot's COPY blocked on full socket buffers",
            every=0.02,
        )
    services_command("down", "postgres")
    time.sleep(3)


FAULTS = [
    SnapshotFault(
        "worker_kill_9_during_snapshot", ROWS // 6, lambda line: line.worker.kill(), lambda line: line.worker.start(),
        "resumed_after", None,
    ),
    SnapshotFault(
        "postgres_fast_shutdown_during_snapshot", ROWS // 10, _postgres_down,
        lambda _line: services_command("up", "postgres"), "resumed_after_outages", "Postgres",
    ),
]  # fmt: skip


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_snapshot_interrupted(services, services_restored, tmp_path, report: ScenarioReport, fault: SnapshotFault):
    report.name = fault.name
    name = fault_name("snap")
    line = Pipeline(services, name, tmp_path, source_overrides={"snapshot.fetch.size": str(CHUNK)})
    line.create_table(ROWS, PAD)
    try:
        with line.index:
            writer = line.start_writer(100, first_id=ROWS + 1)
            worker = line.worker
            worker.start()
            offsets = worker.folder / "offsets.json"

            def chunk_committed() -> bool:
                worker.alive()
                return offsets.exists() and "snapshot_positions" in offsets.read_text(errors="replace")

            wait_for(
                lambda: chunk_committed() and line.ledger.high_watermark() >= fault.at,
                120,
                f"{fault.at} snapshot rows in Kafka and a chunk's offset committed",
                every=0.05,
            )
            peak = worker.peak_rss_mb()
            watch = StatusWatch(worker, (line.source,)) if fault.said else None
            if watch is not None:
                watch.start()
            acked = committed_rows(line, offsets.read_bytes())
            try:
                fault.break_(line)
                at_fault = line.ledger.high_watermark()
            finally:
                fault.repair(line)
            assert at_fault < ROWS, "the snapshot finished before the fault: the test proves nothing"
            details = wait_for(
                lambda: (line.source_details().get("snapshot") or {}).get(fault.resumed) and line.source_details(),
                120,
                f"the snapshot's status saying {fault.resumed}",
            )["snapshot"]
            report.recovery_s = line.probe()
            if watch is not None:
                watch.finish()
                assert watch.said(line.source, fault.said), (
                    f"the source did not say '{fault.said}' while it waited: traces {watch.traces[line.source][-3:]}, "
                    f"degraded {watch.degraded[-3:]}, states {sorted(watch.states)}"
                )
                report.notes.append(f"cdc: {fault.said}")
            writer.pause()
            line.wait_converged()
            peak = max(peak, worker.peak_rss_mb())
            line.ledger.catch_up()
            table = line.table()
            lost = line.ledger.lost(table, since_version=line.ledger.first_versions())
            reread = {key for key, n in line.ledger.reads.items() if n > 1}
            report.written = ROWS + writer.committed
            report.lost = len(lost)
            report.duplicates = line.ledger.duplicates
            report.peak_rss_mb = peak
            report.notes.append(
                f"fault with {at_fault} of {ROWS} rows in Kafka, {len(acked)} committed; "
                f"{len(reread)} rows read twice (chunk {CHUNK}); status {fault.resumed}={details[fault.resumed]!r:.60}"
            )
            assert lost == [], f"{len(lost)} committed versions never reached Kafka, e.g. {lost[:5]}"
            assert acked, "no chunk was committed before the fault: the test proves nothing"
            again = reread & acked
            assert not again, f"{len(again)} rows of committed chunks read again, e.g. {sorted(again)[:5]}"
            wait_for(lambda: worker.running(*line.names()), 60, "every task RUNNING")
    finally:
        line.close()
        drop(services, name)


def committed_rows(line: Pipeline, offsets: bytes) -> set[int]:
    """The prefilled rows at or before the snapshot position committed in the worker's offsets file."""
    stored = [orjson.loads(v) for v in orjson.loads(offsets).values() if v]
    positions = [o["snapshot_positions"] for o in stored if isinstance(o, dict) and o.get("snapshot_positions")]
    if not positions:
        return set()
    _node, ctid = positions[-1][f"public.{line.name}"]
    with psycopg.connect(line.services.pg_dsn) as conn:
        rows = conn.execute(f'SELECT id FROM "{line.name}" WHERE ctid <= %s::tid AND id <= %s', (ctid, ROWS)).fetchall()
    return {r[0] for r in rows}
