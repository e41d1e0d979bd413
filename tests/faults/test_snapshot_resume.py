"""A worker killed (SIGKILL) in the middle of an initial snapshot resumes after the last chunk Kafka acknowledged.

The table is prefilled and updated throughout; the worker is killed once a quarter of it is in Kafka. The
restarted worker must say it resumed (task status details), read no row of a chunk whose offset was
committed before the kill (only what was in flight after it), lose no committed version, and end with
table = index = cache. The writer inserts and updates rows of its own, so the prefilled rows keep their
places and the committed position says exactly which of them were acknowledged.
"""

from __future__ import annotations

import orjson
import psycopg

from tests.faults.conftest import drop, fault_name
from tests.faults.pipeline import Pipeline, ScenarioReport, wait_for

ROWS, CHUNK = 100_000, 2_000


def test_worker_kill_9_during_snapshot(services, services_restored, tmp_path, report: ScenarioReport):
    name = fault_name("snap")
    line = Pipeline(services, name, tmp_path, source_overrides={"snapshot.fetch.size": str(CHUNK)})
    line.create_table(ROWS)
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
                lambda: chunk_committed() and line.ledger.high_watermark() >= ROWS // 4,
                120,
                "a quarter of the snapshot in Kafka and a chunk's offset committed",
                every=0.05,
            )
            peak = worker.peak_rss_mb()
            worker.kill()
            at_kill = line.ledger.high_watermark()
            acked = committed_rows(line, offsets.read_bytes())
            assert at_kill < ROWS, "the snapshot finished before the kill: the test proves nothing"
            worker.start()
            details = wait_for(
                lambda: line.source_details().get("snapshot"),
                60,
                "the snapshot's progress in the task status",
            )
            assert details.get("resumed_after"), f"the restarted snapshot did not say it resumed: {details}"
            report.recovery_s = line.probe()
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
                f"killed with {at_kill} of {ROWS} rows in Kafka, {len(acked)} committed; "
                f"{len(reread)} rows read twice (chunk {CHUNK})"
            )
            assert lost == [], f"{len(lost)} committed versions never reached Kafka, e.g. {lost[:5]}"
            assert acked, "no chunk was committed before the kill: the test proves nothing"
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
