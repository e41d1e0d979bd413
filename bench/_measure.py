"""Measurement helpers shared by the benches: peak RSS, a phase in a fresh process, a worker in its own process."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident memory now (Linux), to tell a phase's own memory from the input it prebuilt."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1024 / 1024


class BenchSinkContext:
    """The little of a worker's SinkTaskContext a sink task uses in a bench: pausing stops the feed, as in the
    worker; rewinds are ignored (a bench starts from nothing)."""

    connector_name, task_id, errant_record_reporter = "bench", 0, None

    def __init__(self, *partitions: Any) -> None:
        self.partitions = set(partitions)
        self.paused = False

    def assignment(self) -> set[Any]:
        return set(self.partitions)

    def pause(self, *tps: Any) -> None:
        self.paused = True

    def resume(self, *tps: Any) -> None:
        self.paused = False

    def offset(self, offsets: Any) -> None:
        pass


def in_process(target: Any, *args: Any) -> tuple[float, float]:
    """Run `target(*args, queue)` in a forked process (its own RSS); return what it puts on the queue."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result = out.get(timeout=600)
    proc.join()
    return result


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    """Delete what a bench wrote to Kafka: millions of records per run would otherwise fill the disk."""
    from confluent_kafka.admin import AdminClient

    if not topics:
        return
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for topic, future in admin.delete_topics(topics, operation_timeout=30).items():
        try:
            future.result()
        except Exception as exc:  # e.g. never created because the run failed early
            print(f"(topic {topic} not deleted: {exc})")


class Worker:
    """`python -m sluice.cli standalone` in its own process, running the given connectors (name → config)."""

    def __init__(
        self,
        workdir: Path,
        kafka: str,
        connectors: Mapping[str, Mapping[str, str]],
        properties: Mapping[str, str] | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "worker.properties").write_text(
            "\n".join(
                [
                    f"bootstrap.servers={kafka}",
                    "key.converter=JsonConverter",
                    "value.converter=JsonConverter",
                    "key.converter.schemas.enable=false",
                    "value.converter.schemas.enable=false",
                    f"offset.storage.file.filename={workdir / 'offsets.json'}",
                    "listeners=http://127.0.0.1:0",
                    *(f"{k}={v}" for k, v in (properties or {}).items()),
                ]
            )
        )
        files = []
        for name, config in connectors.items():
            path = workdir / f"{name}.json"
            path.write_text(json.dumps({"name": name, "config": dict(config)}))
            files.append(str(path))
        self.log = workdir / "worker.log"
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sluice.cli",
                "--log-level",
                "WARNING",
                "standalone",
                str(workdir / "worker.properties"),
                *files,
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "w"),  # noqa: SIM115
        )

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.proc.pid)

    def cpu_wait_seconds(self) -> float:
        """Seconds its threads spent runnable but waiting for a CPU (/proc schedstat): how starved it was."""
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):  # a thread that ended meanwhile
                continue
        return total / 1e9

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process used so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def box_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole box so far, all cores (/proc/stat): how loaded it was over a window."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    busy = user + nice + system + irq + softirq + steal
    return busy / TICKS, (busy + idle + iowait) / TICKS
