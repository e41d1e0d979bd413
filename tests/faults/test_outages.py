"""Each service killed or stopped under a steady write load: nothing lost, recovery with no manual step,
and the status and /health said what was happening.

One pipeline (Postgres → CDC → Kafka → Elasticsearch + Redis) runs through every scenario in turn; the
writer keeps committing row changes throughout. After each scenario the writer pauses, the table, the
index and the cache must hold the same rows at the same versions, and every version committed to the
table must be in Kafka (counted per key and version; duplicates are counted, not failed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.faults.pipeline import Pipeline, ScenarioReport, StatusWatch, services_command, wait_for

Step = Callable[[], None]


def run_scenario(
    pipeline: Pipeline,
    report: ScenarioReport,
    *,
    fault: Step,
    repair: Step,
    down_for: float,
    said: dict[str, str] | None = None,
) -> StatusWatch:
    """Break, wait, repair; then measure recovery, check convergence and count events in Kafka."""
    worker, writer, ledger = pipeline.worker, pipeline.writer, pipeline.ledger
    assert writer is not None
    committed, duplicates = writer.committed, ledger.duplicates
    wait_for(lambda: writer.committed > committed + 100, 60, "the writer under way")
    worker.reset_peak_rss()
    watch = StatusWatch(worker, pipeline.names())
    watch.start()
    peak = 0.0
    try:
        fault_at_rss = worker.peak_rss_mb()
        fault()
        time.sleep(down_for)
    finally:
        repair()
    report.recovery_s = pipeline.probe()
    watch.finish()
    peak = max(fault_at_rss, worker.peak_rss_mb())
    writer.pause()
    try:
        pipeline.wait_converged()
        ledger.catch_up()
        lost = ledger.lost(pipeline.table())
        report.written = writer.committed - committed
        report.lost = len(lost)
        report.duplicates = ledger.duplicates - duplicates
        report.peak_rss_mb = peak
        for connector, words in (said or {}).items():
            if watch.said(connector, words):
                report.notes.append(f"{connector.rsplit('-', 1)[-1]}: {words}")
        assert lost == [], f"{len(lost)} committed versions never reached Kafka, e.g. {lost[:5]}"
        for connector, words in (said or {}).items():
            assert watch.said(connector, words), (
                f"{connector} did not say '{words}' while it waited: traces {watch.traces[connector][-3:]}, "
                f"degraded {watch.degraded[-3:]}, states {sorted(watch.states)}"
            )
        wait_for(lambda: worker.running(*pipeline.names()), 60, "every task RUNNING with no trace left")
        wait_for(lambda: worker.health()["status"] == "healthy", 30, "/health healthy again")
    finally:
        writer.resume()
    return watch


def test_worker_kill_9_and_restart(pipeline: Pipeline, report: ScenarioReport):
    run_scenario(pipeline, report, fault=pipeline.worker.kill, repair=pipeline.worker.start, down_for=2)
    report.notes.append("restarted worker RUNNING, no trace")


@dataclass(frozen=True)
class ServiceFault:
    """A service broken by a scripts/services command, brought back by `up`, and what the tasks must say."""

    name: str
    service: str
    command: str  # kill (SIGKILL) or down (a clean stop)
    down_for: float
    said: tuple[tuple[str, str], ...]  # (task role, words its status and /health must show)


FAULTS = [
    ServiceFault(
        "broker_kill_9_and_restart", "kafka", "kill", 5, (("cdc", "Kafka unreachable"), ("search", "Kafka unreachable"))
    ),
    ServiceFault("postgres_fast_shutdown_then_start", "postgres", "down", 5, (("cdc", "Postgres"),)),
    ServiceFault("postgres_postmaster_kill_9_then_start", "postgres", "kill", 3, (("cdc", "Postgres"),)),
    ServiceFault("elasticsearch_down_30_s", "elasticsearch", "down", 30, (("search", "Elasticsearch"),)),
    ServiceFault("redis_kill_9_down_60_s", "redis", "kill", 60, (("cache", "Redis"),)),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_service_outage(pipeline: Pipeline, report: ScenarioReport, fault: ServiceFault):
    report.name = fault.name
    roles = {"cdc": pipeline.source, "search": pipeline.search, "cache": pipeline.cache}
    run_scenario(
        pipeline,
        report,
        fault=lambda: services_command(fault.command, fault.service),
        repair=lambda: services_command("up", fault.service),
        down_for=fault.down_for,
        said={roles[role]: words for role, words in fault.said},
    )
