"""The demo pipeline: changes to a Postgres table flow through CDC and Kafka into Elasticsearch and Redis.

Run by `scripts/demo` after the services are up. It (re)creates the table `demo_customers`,
starts a standalone worker with the connector files beside this script, makes some changes,
and prints what arrived in Kafka, in the search index and in the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
from confluent_kafka import Consumer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REST = "http://127.0.0.1:18083"
TOPIC = "demo.public.demo_customers"
INDEX = TOPIC
CONNECTORS = ["postgres-source.json", "elasticsearch-sink.json", "redis-sink.json"]


def services_env() -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "services"), "env"], check=True, capture_output=True, text=True
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def wait(what: str, condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except (httpx.HTTPError, OSError):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise SystemExit(f"demo: timed out waiting for {what}")
        time.sleep(0.3)


def reset(env: dict[str, str], pg: psycopg.Connection) -> None:
    """Leave nothing of an earlier run: slot, publication, table, index, cache keys, topics' consumer offsets."""
    pg.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE slot_name = 'demo_slot' AND NOT active"
    )
    pg.execute("DROP PUBLICATION IF EXISTS demo_publication")
    pg.execute("DROP TABLE IF EXISTS demo_customers")
    pg.execute(
        "CREATE TABLE demo_customers (id int PRIMARY KEY, name text NOT NULL, email text, "
        "tier text NOT NULL DEFAULT 'basic', updated_at timestamptz NOT NULL DEFAULT now())"
    )
    httpx.delete(f"{env['SLUICE_ES_URL']}/{INDEX}")
    cache = redis.Redis.from_url(env["SLUICE_REDIS_URL"])
    for key in cache.scan_iter("customer:*"):
        cache.delete(key)
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": env["SLUICE_KAFKA_BOOTSTRAP"]})
    for fut in admin.delete_topics([TOPIC]).values():
        with contextlib.suppress(Exception):  # absent on a first run
            fut.result(15)
    for group in ("connect-customers-search", "connect-customers-cache"):
        with contextlib.suppress(Exception):
            admin.delete_consumer_groups([group])[group].result(15)


def table_rows(pg: psycopg.Connection) -> dict[str, dict[str, Any]]:
    return {
        str(r[0]): {"id": r[0], "name": r[1], "email": r[2], "tier": r[3]}
        for r in pg.execute("SELECT id, name, email, tier FROM demo_customers ORDER BY id")
    }


def search_docs(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    httpx.post(f"{env['SLUICE_ES_URL']}/{INDEX}/_refresh")
    response = httpx.get(f"{env['SLUICE_ES_URL']}/{INDEX}/_search", params={"size": 100})
    if response.status_code != 200:  # the sink creates the index with its first document
        return {}
    hits = response.json()["hits"]["hits"]
    return {h["_id"]: {k: h["_source"].get(k) for k in ("id", "name", "email", "tier")} for h in hits}


def cache_entries(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    cache = redis.Redis.from_url(env["SLUICE_REDIS_URL"], decode_responses=True)
    out = {}
    for key in sorted(cache.scan_iter("customer:*")):
        h = cache.hgetall(key)
        out[key.split(":", 1)[1]] = {
            "id": int(h["id"]),
            "name": h.get("name"),
            "email": h.get("email") or None,
            "tier": h.get("tier"),
        }
    return out


def kafka_events(env: dict[str, str], count: int) -> list[tuple[Any, Any]]:
    consumer = Consumer(
        {
            "bootstrap.servers": env["SLUICE_KAFKA_BOOTSTRAP"],
            "group.id": f"demo-{time.time()}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([TOPIC])
    events: list[tuple[Any, Any]] = []
    deadline = time.monotonic() + 30
    while len(events) < count and time.monotonic() < deadline:
        for m in consumer.consume(100, 0.5):
            if m.error() is None:
                events.append(
                    (json.loads(m.key()) if m.key() else None, json.loads(m.value()) if m.value() is not None else None)
                )
    consumer.close()
    return events


def describe(key: Any, event: Any) -> str:
    if event is None:
        return f"tombstone      key={json.dumps(key)}"
    op = {"r": "snapshot read", "c": "insert", "u": "update", "d": "delete"}.get(event["op"], event["op"])
    row = event["after"] or event["before"]
    return f"{op:14} key={json.dumps(key)} row={json.dumps({k: row[k] for k in ('id', 'name', 'tier')})}"


def main() -> int:
    env = services_env()
    os.environ.update(env)
    workdir = Path(tempfile.mkdtemp(prefix="sluice-demo-"))
    with psycopg.connect(env["SLUICE_PG_DSN"], autocommit=True) as pg:
        print("demo: preparing table demo_customers and clearing earlier runs")
        reset(env, pg)
        pg.execute(
            "INSERT INTO demo_customers (id, name, email) VALUES (1, 'Ada', 'ada@example.com'), "
            "(2, 'Grace', 'grace@example.com'), (3, 'Linus', NULL)"
        )
        props = workdir / "worker.properties"
        props.write_text(
            (HERE / "worker.properties").read_text() + f"offset.storage.file.filename={workdir / 'offsets.json'}\n"
        )
        worker_env = {**os.environ, "CONNECT_BOOTSTRAP_SERVERS": env["SLUICE_KAFKA_BOOTSTRAP"]}
        connect = Path(sys.executable).with_name("connect")
        log = open(workdir / "worker.log", "w")  # noqa: SIM115 - the worker writes to it until stopped
        print(f"demo: starting the worker (log: {workdir / 'worker.log'})")
        worker = subprocess.Popen(
            [str(connect), "standalone", str(props), *[str(HERE / c) for c in CONNECTORS]],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=worker_env,
        )
        try:
            for name in ("customers-cdc", "customers-search", "customers-cache"):
                status = wait(f"connector {name} to run", lambda n=name: _running(n), timeout=90)
                print(f"demo: {name:18} {status}")
            print("demo: changing the table: insert 4 and 5, update 2, delete 3")
            with pg.transaction():
                pg.execute(
                    "INSERT INTO demo_customers (id, name, email, tier) VALUES "
                    "(4, 'Barbara', 'barbara@example.com', 'gold'), (5, 'Edsger', NULL, 'basic')"
                )
            pg.execute(
                "UPDATE demo_customers SET tier = 'gold', email = 'grace@navy.mil', updated_at = now() WHERE id = 2"
            )
            pg.execute("DELETE FROM demo_customers WHERE id = 3")
            expected = table_rows(pg)
            wait("Elasticsearch to mirror the table", lambda: search_docs(env) == expected)
            wait("Redis to mirror the table", lambda: cache_entries(env) == expected)
            print(f"\nKafka topic {TOPIC}:")
            for key, event in kafka_events(env, 8):
                print("  " + describe(key, event))
            print(f"\nElasticsearch index {INDEX}:")
            for doc_id, doc in sorted(search_docs(env).items()):
                print(f"  _id={doc_id} {json.dumps(doc)}")
            print("\nRedis hashes customer:*:")
            for key, entry in sorted(cache_entries(env).items()):
                print(f"  customer:{key} {json.dumps(entry)}")
            print(f"\ndemo: the index and the cache equal the table. REST API: curl {REST}/connectors?expand=status")
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
            pg.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = 'demo_slot' AND NOT active"
            )
    print("demo: worker stopped; services keep running (scripts/services down stops them)")
    return 0


def _running(name: str) -> str | None:
    response = httpx.get(f"{REST}/connectors/{name}/status", timeout=2)
    if response.status_code == 404:  # the worker registers its connectors just after the REST API is up
        return None
    status = response.json()
    states = [status["connector"]["state"], *[t["state"] for t in status.get("tasks", [])]]
    if "FAILED" in states:
        trace = [t.get("trace") for t in status["tasks"] if t.get("trace")] or [status["connector"].get("trace")]
        raise SystemExit(f"demo: connector {name} FAILED:\n{trace[0]}")
    if len(states) > 1 and all(s == "RUNNING" for s in states):
        return "RUNNING"
    return None


if __name__ == "__main__":
    sys.exit(main())
