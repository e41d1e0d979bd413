"""Exactly-once source support: kill -9 the worker running a source task mid-stream, and a read_committed
consumer still sees every record once.

Two datagen connectors (one task each, one committing a transaction per polled batch, the other
every 2 s) write numbered records; the worker running the second one's task is killed while its
transaction is open. The task resumes on the other worker from the offsets committed with the
last transaction and sends again what the killed task had sent after them: those first copies
were aborted with the killed transaction (a read_uncommitted consumer still sees them). Read
committed, each topic holds 0, 1, 2, ... exactly once.
"""

from __future__ import annotations

import time
import uuid

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition

from sluice.local_cluster import WorkerProcess
from tests.integration.connect.distributed.conftest import api, owners
from tests.support.kafka import wait_until


def committed_seqs(bootstrap: str, topic: str, isolation: str = "read_committed") -> list[int]:
    """Every `seq` in the topic, as a consumer with `isolation` reads it, in order."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"eos-check-{uuid.uuid4().hex}",
            "isolation.level": isolation,
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    metadata = consumer.list_topics(topic, timeout=10).topics[topic]
    consumer.assign([TopicPartition(topic, p, 0) for p in metadata.partitions])
    seqs: list[int] = []
    ended: set[int] = set()
    deadline = time.monotonic() + 60
    try:
        while len(ended) < len(metadata.partitions) and time.monotonic() < deadline:
            message = consumer.poll(5)
            if message is None:
                break
            if message.error():
                ended.add(message.partition())
                continue
            value = orjson.loads(message.value())
            seqs.append(int(value.get("payload", value)["seq"]))
    finally:
        consumer.close()
    return seqs


def runner_of(worker: WorkerProcess, connector: str) -> str:
    return owners(worker, [connector]).get(f"{connector}-0", "")


@pytest.mark.timeout(300)
def test_kill_9_mid_stream_leaves_no_duplicate_for_read_committed(make_cluster, services, unique_name):
    cluster = make_cluster("eos", **{"exactly.once.source.support": "enabled"})
    workers = [cluster.add_worker(), cluster.add_worker()]
    by_poll, by_interval = f"{unique_name}-poll", f"{unique_name}-interval"
    configs = {
        by_poll: {"transaction.boundary": "poll"},
        by_interval: {"transaction.boundary": "interval", "transaction.boundary.interval.ms": "2000"},
    }
    with api(workers[0]) as client:
        for name, boundary in configs.items():
            config = {"connector.class": "datagen", "kafka.topic": name, "rate": "500", "tasks.max": "1", **boundary}
            assert client.post("/connectors", json={"name": name, "config": config}).status_code == 201
    wait_until(lambda: all(runner_of(workers[0], n) for n in configs), timeout=60, message="both tasks running")
    wait_until(lambda: end_offset(services.kafka_bootstrap, by_interval) > 1500, timeout=60, message="records flowing")

    victim_id = runner_of(workers[0], by_interval)
    victim = next(w for w in workers if w.worker_id == victim_id)
    survivor = next(w for w in workers if w is not victim)
    before = end_offset(services.kafka_bootstrap, by_interval)
    victim.kill()
    wait_until(
        lambda: all(runner_of(survivor, n) == survivor.worker_id for n in configs),
        timeout=90,
        message="both tasks running on the surviving worker",
    )
    wait_until(
        lambda: end_offset(services.kafka_bootstrap, by_interval) > before + 2000,
        timeout=60,
        message="the moved task writing again",
    )
    with api(survivor) as client:
        for name in configs:
            assert client.put(f"/connectors/{name}/stop").status_code == 204

    for name in configs:
        seqs = committed_seqs(services.kafka_bootstrap, name)
        duplicates = len(seqs) - len(set(seqs))
        assert duplicates == 0, f"{name}: {duplicates} records seen twice by a read_committed consumer"
        assert sorted(seqs) == list(range(len(seqs))), f"{name}: a gap in the sequence"
    aborted = len(committed_seqs(services.kafka_bootstrap, by_interval, "read_uncommitted")) - len(
        committed_seqs(services.kafka_bootstrap, by_interval)
    )
    assert aborted > 0, "the kill found no open transaction: the test did not exercise the window it is about"


def end_offset(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"eos-end-{uuid.uuid4().hex}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if partitions is None or partitions.error is not None:
            return 0
        return sum(
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions.partitions
        )
    finally:
        consumer.close()
