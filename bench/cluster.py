"""Cluster bench: total throughput with 1, 2 and 3 distributed worker processes beside one standalone process, and
the handover time after kill -9.

    python bench/cluster.py [--records 300000] [--rows 100000] [--workers 1,2,3] [--kafka ...] [--pg ...]

(1) datagen: 6 connectors of one task each, `--records` records of 200 bytes per task, as fast as they go.
    The single-process figure is `connect standalone` running the same 6 connectors, measured right before
    each cluster of N workers (the machine is shared: its load drifts). Throughput is measured while every
    topic is being written (from all at 10% of their records to the first at 90%): start-up and stragglers are
    left out.
(2) CDC: 3 Postgres source connectors, each streaming its own table: `--rows` rows inserted per table by one
    INSERT ... SELECT per table, all at once, when every slot streams; measured as (1). Same baseline.
(3) handover: two workers, a datagen task on each; kill -9 the one running the first task (not the leader),
    and time until its topic grows again on the other (session.timeout.ms=6000,
    scheduled.rebalance.max.delay.ms=2000).

Each line gives the total, its ratio to the single process and to N x the single process (BENCH.md's target:
>= 0.75 up to where the box's cores saturate), how busy all the machine's cores were during the window, the
workers' CPU seconds and their peak RSS. Postgres, Kafka and the workers share the machine's cores (`nproc`
is printed): once they are all busy, totals stop growing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from _cdc import connector_config, wait_streaming
from _measure import delete_topics
from confluent_kafka import Consumer, TopicPartition
from psycopg.conninfo import conninfo_to_dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sluice.local_cluster import LocalCluster, cluster_properties, free_port

TICKS = os.sysconf("SC_CLK_TCK")
FAST = {
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 1000,
    "scheduled.rebalance.max.delay.ms": 2000,
    "offset.flush.interval.ms": 1000,
    "offset.storage.partitions": 5,
    "status.storage.partitions": 2,
    "key.converter.schemas.enable": "false",
    "value.converter.schemas.enable": "false",
}


# -- measuring processes and topics ---------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def box_busy() -> tuple[int, int]:
    """(busy, total) jiffies of every core since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def end_offsets(consumer: Consumer, topics: list[str]) -> dict[str, int]:
    """Each topic's record count (its one partition's end offset; 0 while it does not exist)."""
    out = dict.fromkeys(topics, 0)
    for topic in topics:
        with contextlib.suppress(Exception):  # not created yet
            known = consumer.list_topics(topic, timeout=5).topics.get(topic)  # refreshes this topic's metadata
            if known is not None and known.error is None:
                out[topic] = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)[1]
    return out


def timed_fill(
    kafka: str, topics: list[str], per_topic: int, start: Callable[[], object], timeout: float = 900
) -> tuple[float, float]:
    """Total records/s while every topic is being written: from the moment all have 10% of their `per_topic`
    records to the moment the first has 90% - the steady state, with every task running (a cluster starts its
    connectors one rebalance after another) and none finished; and how busy the machine's cores were meanwhile
    (0-1, everything running on it counted)."""
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"bench-{uuid.uuid4().hex}"})
    low, high = per_topic // 10, per_topic * 9 // 10
    try:
        start()
        deadline = time.monotonic() + timeout
        began: tuple[float, int, tuple[int, int]] | None = None
        while True:
            counts = end_offsets(consumer, topics)
            now = time.monotonic()
            if began is None and min(counts.values()) >= low:
                began = (now, sum(counts.values()), box_busy())
            if began is not None and max(counts.values()) >= high:
                break
            if now > deadline:
                raise TimeoutError(f"{counts} of {per_topic} records each after {timeout:.0f} s")
            time.sleep(0.02)
        busy_end = box_busy()
        t0, n0, busy0 = began
        if now - t0 <= 0:
            raise RuntimeError("no window with every topic being written: raise --records/--rows")
        busy = (busy_end[0] - busy0[0]) / max(1, busy_end[1] - busy0[1])
        return (sum(counts.values()) - n0) / (now - t0), busy
    finally:
        consumer.close()


# -- the two kinds of worker ------------------------------------------------------------------------
class Standalone:
    """`connect standalone` with the connectors given, in its own process."""

    def __init__(self, workdir: Path, kafka: str, connectors: dict[str, dict[str, str]]) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        props = {"bootstrap.servers": kafka, "listeners": f"http://127.0.0.1:{port}", **FAST}
        props.update({"key.converter": "JsonConverter", "value.converter": "JsonConverter"})
        props["offset.storage.file.filename"] = str(workdir / "offsets.json")
        (workdir / "worker.properties").write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        files = []
        for name, config in connectors.items():
            path = workdir / f"{name}.json"
            path.write_text(json.dumps({"name": name, "config": config}))
            files.append(str(path))
        self.log = (workdir / "worker.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sluice.cli", "standalone", str(workdir / "worker.properties"), *files],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.pids = [self.process.pid]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)
        self.log.close()


class Cluster:
    """N distributed workers; the connectors created through the last one's REST API."""

    def __init__(self, workdir: Path, kafka: str, workers: int, connectors: dict[str, dict[str, str]]) -> None:
        name = f"bench-cluster-{uuid.uuid4().hex[:8]}"
        self.name = name
        props = cluster_properties(kafka, name, **FAST)
        self.cluster = LocalCluster(workdir, props)
        started = [self.cluster.add_worker() for _ in range(workers)]
        self.pids = [w.process.pid for w in started if w.process]
        self.connectors = connectors
        self.url = started[-1].url

    def create(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for name, config in self.connectors.items():
                response = client.post("/connectors", json={"name": name, "config": config})
                response.raise_for_status()

    def stop(self) -> None:
        self.cluster.stop()
        delete_topics(self.cluster.properties["bootstrap.servers"], [f"{self.name}-{t}" for t in INTERNAL])


INTERNAL = ("configs", "offsets", "status")


def usage(pids: list[int]) -> tuple[float, float]:
    return sum(cpu_seconds(p) for p in pids), max(peak_rss_mb(p) for p in pids)


def report(label: str, rate: float, single: float, processes: int, cpu: float, rss: float, busy: float) -> None:
    ratio = rate / (processes * single) if single else float("nan")
    print(
        f"  {label:<16} {rate:>9,.0f} records/s  {rate / single:4.2f} x single  {ratio:4.2f} x (N x single)  "
        f"cores busy {busy:4.0%}  CPU {cpu:5.1f} s  peak RSS {rss:4.0f} MB/worker",
        flush=True,
    )


# -- (1) datagen --------------------------------------------------------------------------------------
def datagen_connectors(prefix: str, tasks: int, records: int) -> dict[str, dict[str, str]]:
    return {
        f"{prefix}-gen{i}": {
            "connector.class": "datagen",
            "kafka.topic": f"{prefix}-gen{i}",
            "max.records": str(records),
            "record.size": "200",
            "key.cardinality": "1000",
            "topic.creation.default.partitions": "1",
            "topic.creation.default.replication.factor": "1",
        }
        for i in range(tasks)
    }


def datagen(kafka: str, root: Path, workers: list[int], records: int, tasks: int = 6) -> None:
    print(f"datagen: {tasks} connectors x 1 task x {records:,} records of 200 bytes", flush=True)
    for n in workers:
        single = 0.0
        for processes in (0, n):  # the single process first, right before each cluster size
            prefix = f"bench-{uuid.uuid4().hex[:6]}"
            connectors = datagen_connectors(prefix, tasks, records)
            started: list[Standalone | Cluster] = []

            def start(n: int = processes, prefix: str = prefix, connectors: dict = connectors, started: list = started):
                if n == 0:
                    started.append(Standalone(root / f"{prefix}-standalone", kafka, connectors))
                else:
                    cluster = Cluster(root / prefix, kafka, n, connectors)
                    started.append(cluster)
                    cluster.create()

            try:
                rate, busy = timed_fill(kafka, list(connectors), records, start)
                single = rate if processes == 0 else single
                cpu, rss = usage(started[0].pids)
                label = "single process" if processes == 0 else f"cluster of {n}"
                report(label, rate, single, max(processes, 1), cpu, rss, busy)
            finally:
                for worker in started:
                    worker.stop()
                delete_topics(kafka, list(connectors))


# -- (2) CDC ----------------------------------------------------------------------------------------
def cdc_connector(pg: dict[str, Any], name: str) -> dict[str, str]:
    """The CDC benches' connector (_cdc.py), streaming only (no snapshot), topics of one partition."""
    config = connector_config(pg, name, name, "no_data")
    config.update({"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1"})
    return config


def cdc(kafka: str, dsn: str, root: Path, workers: list[int], rows: int, connectors: int = 3) -> None:
    print(f"CDC: {connectors} Postgres connectors, {rows:,} rows inserted per table, streamed", flush=True)
    pg = conninfo_to_dict(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for n in workers:
            single = 0.0
            for processes in (0, n):
                names = [f"bench_cdc_{uuid.uuid4().hex[:6]}" for _ in range(connectors)]
                for name in names:
                    conn.execute(f"CREATE TABLE {name} (id bigint PRIMARY KEY, v text, n numeric, ts timestamptz)")
                configs = {name: cdc_connector(pg, name) for name in names}
                topics = [f"{name}.public.{name}" for name in names]
                worker: Any = None
                try:
                    if processes == 0:
                        worker = Standalone(root / f"{names[0]}-standalone", kafka, configs)
                    else:
                        worker = Cluster(root / names[0], kafka, processes, configs)
                        worker.create()
                    for slot in names:
                        wait_streaming(conn, slot, timeout=120)

                    def insert(names: list[str] = names) -> None:
                        """One INSERT per table, all at once (one connection each): the tables stream together."""
                        threads = [threading.Thread(target=_insert, args=(dsn, name, rows)) for name in names]
                        for thread in threads:
                            thread.start()
                        for thread in threads:
                            thread.join()

                    rate, busy = timed_fill(kafka, topics, rows, insert)
                    single = rate if processes == 0 else single
                    cpu, rss = usage(worker.pids)
                    label = "single process" if processes == 0 else f"cluster of {n}"
                    report(label, rate, single, max(processes, 1), cpu, rss, busy)
                finally:
                    if worker is not None:
                        worker.stop()
                    for name in names:
                        conn.execute(f"DROP TABLE IF EXISTS {name}")
                        conn.execute(f'DROP PUBLICATION IF EXISTS "{name}"')
                        conn.execute(
                            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                            "WHERE slot_name = %s AND NOT active",
                            (name,),
                        )
                    delete_topics(kafka, topics)


def _insert(dsn: str, table: str, rows: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {table} SELECT g, 'value ' || g, g / 3.0, now() FROM generate_series(1, {rows}) g")


# -- (3) handover -----------------------------------------------------------------------------------
def handover(kafka: str, root: Path) -> None:
    prefix = f"bench-{uuid.uuid4().hex[:6]}"
    connectors = {
        name: {**config, "max.records": "-1", "rate": "500"}
        for name, config in datagen_connectors(prefix, 2, 0).items()
    }
    cluster = Cluster(root / prefix, kafka, 2, connectors)
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"bench-{uuid.uuid4().hex}"})
    try:
        cluster.create()
        leader = cluster.cluster.workers[0]  # the first to join leads
        follower = cluster.cluster.workers[1]

        def owner(name: str) -> str:
            status = httpx.get(f"{leader.url}/connectors/{name}/status", timeout=30).json()
            tasks = status.get("tasks", [])
            return tasks[0]["worker_id"] if tasks and tasks[0]["state"] == "RUNNING" else ""

        deadline = time.monotonic() + 60
        while not all(owner(n) for n in connectors) and time.monotonic() < deadline:
            time.sleep(0.2)
        victim_topic = next((n for n in connectors if owner(n) == follower.worker_id), None)
        if victim_topic is None:
            print("handover: the follower runs no task; skipped", flush=True)
            return
        time.sleep(2)
        before = end_offsets(consumer, [victim_topic])[victim_topic]
        killed = time.monotonic()
        follower.kill()
        # Records acknowledged before the kill may still land for a moment; the handover ends when the topic
        # grows past the last offset the killed task's records reached plus the new owner's first batch.
        settled = end_offsets(consumer, [victim_topic])[victim_topic]
        while end_offsets(consumer, [victim_topic])[victim_topic] <= max(before, settled) + 50:
            if time.monotonic() - killed > 120:
                raise TimeoutError("the killed worker's task did not resume")
            time.sleep(0.05)
        print(
            f"handover after kill -9 of a worker: {time.monotonic() - killed:.1f} s until its task writes again "
            f"elsewhere (session.timeout.ms=6000 + scheduled.rebalance.max.delay.ms=2000 + restart)",
            flush=True,
        )
    finally:
        consumer.close()
        cluster.stop()
        delete_topics(kafka, list(connectors))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=300_000, help="datagen records per task (6 tasks)")
    ap.add_argument("--rows", type=int, default=100_000, help="CDC rows per table (3 tables)")
    ap.add_argument("--workers", default="1,2,3")
    ap.add_argument("--kafka", default=os.environ.get("SLUICE_KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    ap.add_argument(
        "--pg", default=os.environ.get("SLUICE_PG_DSN", "postgresql://sluice:sluice@127.0.0.1:15432/sluice")
    )
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: datagen,cdc,handover")
    args = ap.parse_args()
    workers = [int(n) for n in args.workers.split(",")]
    skip = set(args.skip.split(","))
    print(f"{os.cpu_count()} cores on this machine (shared with everything else running); load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        root = Path(tmp)
        if "datagen" not in skip:
            datagen(args.kafka, root, workers, args.records)
        if "cdc" not in skip:
            cdc(args.kafka, args.pg, root, workers, args.rows)
        if "handover" not in skip:
            handover(args.kafka, root)


if __name__ == "__main__":
    main()
