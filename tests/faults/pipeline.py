"""The fault suite's pipeline: Postgres → CDC worker → Kafka → Elasticsearch + Redis, driven by a steady writer.

`Worker` is a real `connect standalone` process (killed with SIGKILL, its peak RSS read from /proc);
`Writer` commits row changes at a steady rate (each its own transaction, surviving Postgres outages);
`KafkaLedger` counts every change event per (key, version); `Pipeline` ties them to one table and
checks table = index = cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import redis
from confluent_kafka import Consumer, TopicPartition

from tests.integration.connectors.elasticsearch.es_index import EsIndex

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services"


def services_command(*args: str) -> None:
    """scripts/services with the suite's environment (the same SLUICE_HOME and ports as the fixtures)."""
    subprocess.run([sys.executable, str(SERVICES), *args], check=True, timeout=600, capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Any, timeout: float, message: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(every)


class Worker:
    """One `connect standalone` process with connector files; survives being killed and started again."""

    def __init__(self, folder: Path, bootstrap: str, connectors: list[dict[str, Any]]) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        props = folder / "worker.properties"
        props.write_text(
            "\n".join(
                [
                    f"bootstrap.servers={bootstrap}",
                    "key.converter=JsonConverter",
                    "key.converter.schemas.enable=false",
                    "value.converter=JsonConverter",
                    "value.converter.schemas.enable=false",
                    f"offset.storage.file.filename={folder / 'offsets.json'}",
                    "offset.flush.interval.ms=500",
                    f"listeners=http://127.0.0.1:{self.port}",
                ]
            )
            + "\n"
        )
        self.files = [str(props)]
        for connector in connectors:
            path = folder / f"{connector['name']}.json"
            path.write_text(json.dumps(connector))
            self.files.append(str(path))
        self.log = folder / "worker.log"
        self.proc: subprocess.Popen | None = None
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sluice.cli", "standalone", *self.files], stdout=out, stderr=out, cwd=ROOT
            )
        wait_for(self._serving, 60, "the worker's REST API")

    def _serving(self) -> bool:
        self.alive()
        try:
            return self.http.get("/connectors").status_code == 200
        except httpx.HTTPError:
            return False

    def alive(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, f"the worker died:\n{self.tail()}"

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.http.close()

    # -- what the worker says -----------------------------------------------------------------
    def status(self, name: str) -> dict[str, Any]:
        return self.http.get(f"/connectors/{name}/status").json()

    def health(self) -> dict[str, Any]:
        return self.http.get("/health").json()

    def running(self, *names: str) -> bool:
        statuses = [self.status(n) for n in names]
        return all(
            s.get("connector", {}).get("state") == "RUNNING"
            and s.get("tasks")
            and all(t["state"] == "RUNNING" and "trace" not in t for t in s["tasks"])
            for s in statuses
        )

    # -- what the kernel says -------------------------------------------------------------------
    def _proc_status(self, field_name: str) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        raise AssertionError(f"{field_name} not in /proc/{self.proc.pid}/status")

    def peak_rss_mb(self) -> float:
        return self._proc_status("VmHWM") / 1024

    def reset_peak_rss(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(OSError):  # "5" resets VmHWM to the current RSS (Linux ≥ 4.0)
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def threads(self) -> int:
        return self._proc_status("Threads")

    def fds(self) -> int:
        assert self.proc is not None
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))


class Writer(threading.Thread):
    """Row changes at `rate`/s, each its own transaction: inserts of new keys, updates bumping `version`.

    Only changes whose COMMIT succeeded are counted; while Postgres is down the writer retries its
    connection (a change in doubt is never counted: the table is the truth the checks read).
    """

    def __init__(self, dsn: str, table: str, rate: int, inserts: float = 0.25, first_id: int = 1) -> None:
        super().__init__(daemon=True, name=f"writer-{table}")
        self.dsn, self.table, self.rate, self.inserts = dsn, table, rate, inserts
        self.next_id = first_id
        self.ids: list[int] = []
        self.committed = 0
        self.failed = 0
        self._run = threading.Event()
        self._run.set()
        self._halt = threading.Event()
        self.paused = threading.Event()
        self.random = random.Random(20)

    def pause(self) -> None:
        self._run.clear()
        wait_for(self.paused.is_set, 30, "the writer to pause")

    def resume(self) -> None:
        self.paused.clear()
        self._run.set()

    def halt(self) -> None:
        self._halt.set()
        self._run.set()
        self.join(30)

    def run(self) -> None:
        conn: psycopg.Connection | None = None
        started, done = time.monotonic(), 0
        while not self._halt.is_set():
            if not self._run.is_set():
                self.paused.set()
                self._run.wait()
                started, done = time.monotonic(), 0
                continue
            try:
                if conn is None or conn.closed or conn.broken:
                    conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=2)
                self._change(conn)
                self.committed += 1
            except psycopg.Error:
                self.failed += 1
                with contextlib.suppress(Exception):
                    if conn is not None:
                        conn.close()
                conn = None
                time.sleep(0.2)
                started, done = time.monotonic(), 0
                continue
            done += 1
            time.sleep(max(0.0, started + done / self.rate - time.monotonic()))
        if conn is not None:
            conn.close()

    def _change(self, conn: psycopg.Connection) -> None:
        if not self.ids or self.random.random() < self.inserts:
            key = self.next_id
            conn.execute(
                f'INSERT INTO "{self.table}" (id, version, payload) VALUES (%s, 1, %s)', (key, f"row {key} v1")
            )
            self.next_id += 1
            self.ids.append(key)
        else:
            key = self.random.choice(self.ids)
            conn.execute(
                f'UPDATE "{self.table}" SET version = version + 1, payload = %s WHERE id = %s',
                (f"row {key} changed", key),
            )


class KafkaLedger:
    """Every change event of a topic, counted per (key, version); reads on from where it stopped."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.counts: Counter[tuple[int, int]] = Counter()
        self.reads: Counter[int] = Counter()  # snapshot reads (op r) per key
        self.events = 0
        self._next = 0

    def high_watermark(self) -> int:
        """How many events the topic holds (0 before it exists), without reading them."""
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "fault-ledger"})
        try:
            if self.topic not in consumer.list_topics(timeout=30).topics:
                return 0
            return consumer.get_watermark_offsets(TopicPartition(self.topic, 0), timeout=30)[1]
        finally:
            consumer.close()

    def catch_up(self, timeout: float = 120) -> None:
        consumer = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": "fault-ledger", "enable.auto.commit": False}
        )
        try:
            tp = TopicPartition(self.topic, 0)
            if self.topic not in consumer.list_topics(timeout=30).topics:
                return  # nothing written yet
            _low, high = consumer.get_watermark_offsets(tp, timeout=30)
            consumer.assign([TopicPartition(self.topic, 0, self._next)])
            deadline = time.monotonic() + timeout
            while self._next < high:
                assert time.monotonic() < deadline, f"{self.topic}: read {self._next} of {high} events"
                for msg in consumer.consume(5000, 1.0):
                    if msg.error() is not None or msg.value() is None:
                        continue
                    self._next = msg.offset() + 1
                    event = orjson.loads(msg.value())
                    if event.get("op") in ("c", "u", "r"):
                        self.counts[(event["after"]["id"], event["after"]["version"])] += 1
                        self.events += 1
                        if event["op"] == "r":
                            self.reads[event["after"]["id"]] += 1
        finally:
            consumer.close()

    def first_versions(self) -> dict[int, int]:
        """Each key's oldest version seen."""
        first: dict[int, int] = {}
        for key, version in self.counts:
            if version < first.get(key, version + 1):
                first[key] = version
        return first

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.counts.values() if n > 1)

    def lost(self, table: dict[int, int], since_version: dict[int, int] | None = None) -> list[tuple[int, int]]:
        """Versions committed in the table with no event: every version of each key, or from `since_version`
        on (a snapshot emits a key's version at the time it was read, not the ones before)."""
        missing = []
        for key, version in table.items():
            first = since_version.get(key, version) if since_version is not None else 1
            missing += [(key, v) for v in range(first, version + 1) if (key, v) not in self.counts]
        return missing


@dataclass
class ScenarioReport:
    name: str
    written: int = 0
    lost: int = 0
    duplicates: int = 0
    recovery_s: float | None = None
    peak_rss_mb: float = 0.0
    notes: list[str] = field(default_factory=list)

    def row(self) -> str:
        recovery = "-" if self.recovery_s is None else f"{self.recovery_s:.1f}"
        return (
            f"| {self.name} | {self.written} | {self.lost} | {self.duplicates} | {recovery} | "
            f"{self.peak_rss_mb:.0f} | {'; '.join(self.notes)} |"
        )


REPORT_HEADER = (
    "| scenario | rows written | lost | duplicates | recovery (s) | worker peak RSS (MB) | status said |\n"
    "|---|---|---|---|---|---|---|"
)


class Pipeline:
    """One table captured by a Postgres source and written to an index and a cache by two sinks."""

    def __init__(self, services: Any, name: str, folder: Path, source_overrides: dict[str, str] | None = None) -> None:
        self.services, self.name = services, name
        self.topic = f"{name}.public.{name}"
        self.source, self.search, self.cache = f"{name}-cdc", f"{name}-search", f"{name}-cache"
        pg = psycopg.conninfo.conninfo_to_dict(services.pg_dsn)
        connectors = [
            {
                "name": self.source,
                "config": {
                    "connector.class": "postgres",
                    "database.hostname": pg.get("host", "127.0.0.1"),
                    "database.port": str(pg.get("port", 5432)),
                    "database.user": pg["user"],
                    "database.password": pg.get("password", ""),
                    "database.dbname": pg["dbname"],
                    "topic.prefix": name,
                    "slot.name": name,
                    "publication.name": name,
                    "publication.autocreate.mode": "filtered",
                    "table.include.list": f"public\\.{name}",
                    "poll.interval.ms": "100",
                    **(source_overrides or {}),
                },
            },
            {
                "name": self.search,
                "config": {
                    "connector.class": "elasticsearch",
                    "topics": self.topic,
                    "connection.url": services.es_url,
                    "key.ignore": "false",
                    "schema.ignore": "true",
                    "consumer.override.session.timeout.ms": "6000",
                },
            },
            {
                "name": self.cache,
                "config": {
                    "connector.class": "redis",
                    "topics": self.topic,
                    "redis.uri": services.redis_url,
                    "redis.type": "HASH",
                    "redis.key.prefix": name,
                    "consumer.override.session.timeout.ms": "6000",
                },
            },
        ]
        self.worker = Worker(folder, services.kafka_bootstrap, connectors)
        self.index = EsIndex(services.es_url, self.topic)
        self.ledger = KafkaLedger(services.kafka_bootstrap, self.topic)
        self.redis = redis.Redis.from_url(services.redis_url)
        self.writer: Writer | None = None

    def create_table(self, rows: int = 0, pad: int = 0) -> None:
        """The table, with `rows` rows whose payloads are padded with `pad` characters."""
        with psycopg.connect(self.services.pg_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE TABLE "{self.name}" (id bigint PRIMARY KEY, version int NOT NULL, payload text)')
            if rows:
                conn.execute(
                    f'INSERT INTO "{self.name}" SELECT g, 1, %s || g || repeat(%s, %s) FROM generate_series(1, %s) g',
                    ("row ", ".", pad, rows),
                )

    def names(self) -> tuple[str, str, str]:
        return self.source, self.search, self.cache

    def source_details(self) -> dict[str, Any]:
        tasks = self.worker.status(self.source).get("tasks") or [{}]
        return tasks[0].get("details") or {}

    def wait_streaming(self) -> None:
        wait_for(lambda: "streaming" in self.source_details(), 60, "the source streaming from its slot")

    def start_writer(self, rate: int, first_id: int = 1) -> Writer:
        self.writer = Writer(self.services.pg_dsn, self.name, rate, first_id=first_id)
        self.writer.start()
        return self.writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.halt()
        self.worker.stop()
        self.redis.close()

    # -- state of each side ------------------------------------------------------------------
    def table(self) -> dict[int, int]:
        with psycopg.connect(self.services.pg_dsn, connect_timeout=5) as conn:
            return dict(conn.execute(f'SELECT id, version FROM "{self.name}"').fetchall())  # type: ignore[arg-type]

    def indexed(self) -> dict[int, int]:
        return {int(doc_id): int(source["version"]) for doc_id, source in self.index.sources().items()}

    def cached(self, keys: list[int]) -> dict[int, int]:
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hget(f"{self.name}:{key}", "version")
        return {k: int(v) for k, v in zip(keys, pipe.execute(), strict=True) if v is not None}

    def converged(self) -> bool:
        table = self.table()
        if self.indexed() != table:
            return False
        return self.cached(list(table)) == table and self._cache_size() == len(table)

    def _cache_size(self) -> int:
        return sum(1 for _ in self.redis.scan_iter(match=f"{self.name}:*", count=5000))

    def wait_converged(self, timeout: float = 180) -> None:
        def check() -> bool:
            self.worker.alive()
            try:
                return self.converged()
            except Exception:
                return False

        try:
            wait_for(check, timeout, "table = index = cache", every=1.0)
        except AssertionError:
            table, indexed = self.table(), self.indexed()
            cached = self.cached(list(table))
            raise AssertionError(
                f"not converged: table {len(table)} rows, index {len(indexed)} ({_diff(table, indexed)}), "
                f"cache {len(cached)} ({_diff(table, cached)})\n--- worker log ---\n{self.worker.tail()}"
            ) from None

    def probe(self) -> float:
        """Seconds from now until a change committed now is in both the index and the cache."""
        started = time.monotonic()
        key = -1
        while True:  # the database may take a moment to accept the write after its own restart
            try:
                with psycopg.connect(self.services.pg_dsn, autocommit=True, connect_timeout=2) as conn:
                    version = conn.execute(
                        f'INSERT INTO "{self.name}" (id, version, payload) VALUES (%s, 1, %s) '
                        f'ON CONFLICT (id) DO UPDATE SET version = "{self.name}".version + 1 RETURNING version',
                        (key, "probe"),
                    ).fetchone()[0]  # type: ignore[index]
                break
            except psycopg.OperationalError:
                assert time.monotonic() - started < 60, "Postgres did not accept the probe write"
                time.sleep(0.2)

        def seen() -> bool:
            self.worker.alive()
            try:
                doc = self.index.es.options(ignore_status=404).get(index=self.index.name, id=str(key))
            except Exception:  # the index still recovering after a restart
                return False
            in_index = bool(doc.get("found")) and int(doc["_source"]["version"]) >= version
            cached = self.redis.hget(f"{self.name}:{key}", "version")
            return in_index and cached is not None and int(cached) >= version

        wait_for(seen, 180, "the probe change in the index and the cache", every=0.1)
        return time.monotonic() - started


def _diff(table: dict[int, int], other: dict[int, int]) -> str:
    missing = [k for k in table if k not in other]
    stale = [k for k in table if k in other and other[k] != table[k]]
    extra = [k for k in other if k not in table]
    return f"missing {len(missing)} e.g. {missing[:3]}, stale {len(stale)} e.g. {stale[:3]}, extra {len(extra)}"


class StatusWatch(threading.Thread):
    """Polls a worker's connector statuses and /health during an outage; keeps what they said."""

    def __init__(self, worker: Worker, names: tuple[str, ...]) -> None:
        super().__init__(daemon=True)
        self.worker, self.names = worker, names
        self.traces: dict[str, list[str]] = {n: [] for n in names}
        self.states: set[tuple[str, str]] = set()
        self.degraded: list[dict[str, Any]] = []
        self.health_states: set[str] = set()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.3):
            try:
                for name in self.names:
                    for task in self.worker.status(name).get("tasks", []):
                        self.states.add((name, task["state"]))
                        if task.get("trace"):
                            self.traces[name].append(task["trace"])
                health = self.worker.health()
            except Exception:  # the worker is down or restarting: nothing to read now
                continue
            self.health_states.add(health["status"])
            self.degraded += health.get("degraded") or []

    def finish(self) -> StatusWatch:
        self._halt.set()
        self.join(10)
        return self

    def said(self, connector: str, words: str) -> bool:
        """The task's trace named the outage while it stayed RUNNING, and /health listed it as degraded."""
        traced = any(words.lower() in t.lower() for t in self.traces[connector])
        listed = any(d["connector"] == connector and words.lower() in d["reason"].lower() for d in self.degraded)
        return traced and listed and (connector, "FAILED") not in self.states
