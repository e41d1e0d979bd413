"""A cluster of worker processes shares six connectors, takes in a fourth worker, and survives SIGTERM and kill -9.

A CDC → Elasticsearch pipeline runs through all of it while a writer keeps inserting and
updating rows, each update bumping the row's version: at the end every (key, version) the
writer committed is in the CDC topic, and every document in the index has its row's last
version. Nothing is lost, whichever worker ran the source or the sink when.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from typing import Any

import orjson
import psycopg
import pytest
from confluent_kafka import Consumer
from confluent_kafka import TopicPartition as KafkaTopicPartition

from sluice.local_cluster import WorkerProcess
from tests.fixtures.pipeline import postgres_source
from tests.integration.connect.distributed.conftest import api, create, owners
from tests.integration.connectors.elasticsearch.es_index import EsIndex
from tests.support.kafka import read_topic, wait_until

DATAGEN = 4  # datagen connectors, beside the CDC source and the Elasticsearch sink
TASKS = 3


class Writer(threading.Thread):
    """Inserts rows and bumps versions of random earlier rows, one transaction at a time, until stopped."""

    def __init__(self, dsn: str, table: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.table = dsn, table
        self.versions: dict[int, int] = {1: 1}  # id -> last committed version (row 1: the seed, snapshotted)
        self.written: set[tuple[int, int]] = {(1, 1)}  # every committed (id, version)
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                step = 0
                while not self.stopping.is_set():
                    step += 1
                    if step % 3 == 0 and self.versions:
                        key = (step * 7919) % len(self.versions) + 1
                        version = self.versions[key] + 1
                        conn.execute(f'UPDATE "{self.table}" SET version = %s WHERE id = %s', (version, key))
                    else:
                        key, version = len(self.versions) + 1, 1
                        conn.execute(f'INSERT INTO "{self.table}" VALUES (%s, %s, %s)', (key, 1, "x" * 40))
                    self.versions[key] = version
                    self.written.add((key, version))
                    time.sleep(0.04)
        except BaseException as exc:
            self.error = exc


def balanced(found: dict[str, str], names: set[str]) -> tuple[Counter[str], Counter[str]]:
    connectors = Counter(w for item, w in found.items() if item in names)
    tasks = Counter(w for item, w in found.items() if item not in names)
    return connectors, tasks


def spread(counts: Counter[str], workers: list[WorkerProcess]) -> int:
    sizes = [counts.get(w.worker_id, 0) for w in workers]
    return max(sizes) - min(sizes)


@pytest.mark.timeout(600)
def test_six_connectors_spread_rebalance_and_survive_sigterm_and_kill(pg, make_cluster, services, unique_name):
    table = unique_name
    pg.execute(f'CREATE TABLE "{table}" (id int PRIMARY KEY, version int NOT NULL, note text)')
    pg.execute(f"INSERT INTO \"{table}\" VALUES (1, 1, 'seed')")
    cluster = make_cluster("rebalance")
    first = [cluster.add_worker() for _ in range(3)]
    writer = Writer(services.pg_dsn, table)
    topic = f"{unique_name}.public.{table}"
    cdc, es = f"{unique_name}-cdc", f"{unique_name}-es"
    gens = [f"{unique_name}-gen{i}" for i in range(DATAGEN)]
    names = [cdc, es, *gens]
    with EsIndex(services.es_url, topic) as index, api(first[1]) as follower:
        # Every write goes through a follower: forwarded to the leader.
        source = postgres_source(
            services, unique_name, table, **{"slot.drop.on.stop": "false", "topic.creation.default.partitions": "3"}
        )
        create(follower, cdc, source)
        read_topic(services.kafka_bootstrap, topic, lambda ms: len(ms) > 0, timeout=60)  # the seed: streaming
        writer.start()
        sink = {
            "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
            "topics": topic,
            "connection.url": services.es_url,
            "tasks.max": str(TASKS),
        }
        create(follower, es, sink)
        for name in gens:
            gen = {"connector.class": "datagen", "kafka.topic": f"{unique_name}-gen", "rate": "20", "tasks.max": "3"}
            create(follower, name, gen)

        # Three workers: 2 connectors each, 16 tasks as 5/5/6.
        ids = {w.worker_id for w in first}
        found = wait_all_running_cdc(first[0], names, ids)
        connectors, tasks = balanced(found, set(names))
        assert sorted(connectors.values()) == [2, 2, 2], found
        assert spread(tasks, first) <= 1, found

        # A fourth worker takes a fair share (4 of 16 tasks), and only what it takes moves.
        fourth = cluster.add_worker()
        everyone = [*first, fourth]

        def fourth_has_its_share() -> bool:
            now = owners(fourth, names)
            counts = balanced(now, set(names))
            return (
                len(now) == len(found) and counts[1].get(fourth.worker_id, 0) == 4 and spread(counts[1], everyone) <= 1
            )

        wait_until(fourth_has_its_share, timeout=90, message="the fourth worker's share")
        after = owners(fourth, names)
        moved = {item for item in found if after[item] != found[item]}
        assert moved == {item for item, owner in after.items() if owner == fourth.worker_id}
        assert sorted(balanced(after, set(names))[0].values()) in ([1, 1, 2, 2], [1, 1, 1, 3])

        # SIGTERM: the worker stops its tasks and leaves; its work moves after the scheduled delay.
        assert first[0].terminate() == 0
        live = {w.worker_id for w in everyone[1:]}
        wait_all_running_cdc(fourth, names, live)
        # kill -9: the group notices after session.timeout.ms; the work moves after the delay.
        first[1].kill()
        live = {first[2].worker_id, fourth.worker_id}
        final = wait_all_running_cdc(fourth, names, live)
        assert set(final.values()) == live

        writer.stopping.set()
        writer.join(30)
        assert writer.error is None, writer.error
        versions = dict(writer.versions)

        behind: list[int] = []

        def index_current() -> bool:
            docs = index.sources()
            behind[:] = [k for k, v in versions.items() if docs.get(str(k), {}).get("version") != v]
            return not behind and len(docs) == len(versions)

        try:
            wait_until(index_current, timeout=120, message="every document at its row's last version")
        except AssertionError:
            where = where_lost(services.kafka_bootstrap, topic, f"connect-{es}", index, versions, behind)
            raise AssertionError(f"{len(behind)} documents behind their rows, e.g. ids {behind[:5]}\n{where}") from None
        messages = read_topic(services.kafka_bootstrap, topic, lambda ms: _versions(ms) >= writer.written, 60)
        missing = writer.written - _versions(messages)
        assert not missing, f"{len(missing)} (id, version) pairs lost, e.g. {sorted(missing)[:5]}"
    with api(fourth) as client:
        client.delete(f"/connectors/{cdc}")
    wait_until(
        lambda: (
            pg.execute(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s AND active", (unique_name,)
            ).fetchone()[0]
            == 0
        ),
        timeout=30,
        message="the slot released",
    )


def wait_all_running_cdc(worker: WorkerProcess, names: list[str], on: set[str]) -> dict[str, str]:
    """Every connector and task RUNNING on the workers `on`: the CDC source has 1 task, the others 3."""
    found: dict[str, str] = {}
    wanted = len(names) + 1 + (len(names) - 1) * TASKS

    def settled() -> bool:
        nonlocal found
        found = owners(worker, names)
        return len(found) == wanted and set(found.values()) <= on

    wait_until(settled, timeout=120, message=f"everything running on {sorted(on)} (last seen {found})")
    return found


def where_lost(
    bootstrap: str, topic: str, group: str, index: EsIndex, versions: dict[int, int], behind: list[int]
) -> str:
    """Where the documents behind lost their last version: in Kafka or not, and where the sink group stands."""
    messages = read_topic(bootstrap, topic, lambda ms: False, timeout=15)
    seen: dict[int, list[tuple[int, int, int]]] = {}  # id -> (version, partition, offset) in topic order
    for m in messages:
        if m.value() is not None:
            value = orjson.loads(m.value())
            after = value.get("payload", value).get("after")
            if after:
                seen.setdefault(int(after["id"]), []).append((int(after["version"]), m.partition(), m.offset()))
    docs = index.documents()
    lines = []
    for key in behind[:20]:
        source, es_version = docs.get(str(key), ({}, None))
        in_kafka = any(v == versions[key] for v, _p, _o in seen.get(key, []))
        lines.append(
            f"id {key}: row v{versions[key]}, document v{source.get('version')} (ES version {es_version}),"
            f" last version in Kafka: {in_kafka}; in Kafka (version, partition, offset): {seen.get(key)}"
        )
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        parts = [KafkaTopicPartition(topic, p) for p in sorted({p for m in messages for p in [m.partition()]})]
        for tp in consumer.committed(parts, timeout=10):
            high = consumer.get_watermark_offsets(tp, timeout=10)[1]
            lines.append(f"sink group {group} partition {tp.partition}: committed {tp.offset}, end {high}")
    finally:
        consumer.close()
    return "\n".join(lines)


def _versions(messages: list[Any]) -> set[tuple[int, int]]:
    out = set()
    for message in messages:
        if message.value() is None:
            continue
        value = orjson.loads(message.value())
        after = value.get("payload", value).get("after")
        if after:
            out.add((int(after["id"]), int(after["version"])))
    return out


@pytest.mark.timeout(300)
def test_a_frozen_worker_stops_its_work_before_it_rejoins(make_cluster, unique_name):
    """SIGSTOP a worker past session.timeout.ms: the others take its tasks; when it wakes (SIGCONT) it finds its
    membership gone and stops everything it ran before joining again, so no task runs twice for long."""
    cluster = make_cluster("frozen")
    workers = [cluster.add_worker(), cluster.add_worker()]
    names = [f"{unique_name}-{i}" for i in range(2)]
    with api(workers[1]) as client:
        for name in names:
            config = {"connector.class": "datagen", "kafka.topic": name, "rate": "50", "tasks.max": "2"}
            assert client.post("/connectors", json={"name": name, "config": config}).status_code == 201
    ids = {w.worker_id for w in workers}
    found = wait_all_running_tasks(workers[0], names, ids)
    frozen = next(w for w in workers if w.worker_id in set(found.values()) and w is not workers[0])
    awake = workers[0]
    assert frozen.process is not None
    frozen.process.send_signal(signal.SIGSTOP)
    try:
        wait_all_running_tasks(awake, names, {awake.worker_id})
    finally:
        frozen.process.send_signal(signal.SIGCONT)
    wait_until(lambda: "membership lost" in frozen.log(), timeout=60, message="the woken worker to notice")
    # It rejoins empty-handed and gets a fair share back: every task runs once, on one of the two.
    final = wait_all_running_tasks(awake, names, ids)
    assert Counter(final.values())[frozen.worker_id] >= 1


def wait_all_running_tasks(worker: WorkerProcess, names: list[str], on: set[str]) -> dict[str, str]:
    """The 2 connectors and their 2 tasks each RUNNING on the workers `on`."""
    found: dict[str, str] = {}

    def settled() -> bool:
        nonlocal found
        found = owners(worker, names)
        return (
            len(found) == 3 * len(names)
            and set(found.values()) <= on
            and (len(on) == 1 or len(set(found.values())) > 1)
        )

    wait_until(settled, timeout=90, message=f"everything running on {sorted(on)} (last seen {found})")
    return found
