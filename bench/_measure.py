"""Measurement helpers shared by the benches: peak RSS, and running a phase in a fresh process."""

from __future__ import annotations

import multiprocessing as mp
import resource
from typing import Any


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
