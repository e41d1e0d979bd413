"""`kill -9` of a `connect standalone` worker running the Elasticsearch sink, then a restart.

Records keep arriving while the worker dies; the restarted worker replays from the last
committed offsets. The index ends with one document per key holding that key's last record,
at the version of its Kafka offset, and no document's version ever goes backwards on the way.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer

from tests.integration.connectors.elasticsearch.es_index import EsIndex
from tests.support.kafka import wait_until
from tests.support.worker_process import free_port, start_worker, stop_worker

KEYS, RATE, SECONDS = 50, 2000, 60  # records/s until stopped (at most SECONDS): the kill lands mid-stream


class Stream(threading.Thread):
    """Produces {"seq", "key"} records keyed key-<seq % KEYS> to one partition, noting each key's last offset."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        self.topic = topic
        self.last: dict[str, tuple[int, int]] = {}  # key -> (offset, seq)
        self.halt = threading.Event()  # set by the test once the restarted worker is up

    def _acked(self, err, msg) -> None:
        assert err is None, err
        seq = orjson.loads(msg.value())["seq"]
        self.last[msg.key().decode().strip('"')] = (msg.offset(), seq)

    def run(self) -> None:
        started = time.monotonic()
        for seq in range(RATE * SECONDS):
            if self.halt.is_set():
                break
            key = f"key-{seq % KEYS}"
            self.producer.produce(
                self.topic,
                orjson.dumps({"seq": seq, "key": key}),
                orjson.dumps(key),
                partition=0,
                on_delivery=self._acked,
            )
            self.producer.poll(0)
            time.sleep(max(0.0, started + seq / RATE - time.monotonic()))
        assert self.producer.flush(30) == 0


@pytest.fixture
def worker_files(services, unique_name, tmp_path) -> Iterator[tuple[list[str], Path]]:
    (tmp_path / "worker.properties").write_text(
        "\n".join(
            [
                f"bootstrap.servers={services.kafka_bootstrap}",
                "key.converter=JsonConverter",
                "key.converter.schemas.enable=false",
                "value.converter=JsonConverter",
                "value.converter.schemas.enable=false",
                f"offset.storage.file.filename={tmp_path / 'offsets.json'}",
                "offset.flush.interval.ms=300",
                f"listeners=http://127.0.0.1:{free_port()}",
            ]
        )
        + "\n"
    )
    (tmp_path / "es.json").write_text(
        json.dumps(
            {
                "name": f"{unique_name}-es",
                "config": {
                    "connector.class": "elasticsearch",
                    "topics": unique_name,
                    "connection.url": services.es_url,
                    "batch.size": "200",
                    "consumer.override.session.timeout.ms": "6000",
                },
            }
        )
    )
    yield [str(tmp_path / "worker.properties"), str(tmp_path / "es.json")], tmp_path / "worker.log"


def test_kill_9_and_restart_converge_with_versions_never_going_back(services, unique_name, worker_files):
    args, log = worker_files
    admin = Producer({"bootstrap.servers": services.kafka_bootstrap})
    admin.produce(unique_name, b'{"seq": -1, "key": "warmup"}', b'"warmup"', partition=0)  # creates the topic
    assert admin.flush(15) == 0
    with EsIndex(services.es_url, unique_name) as target:
        stream = Stream(services.kafka_bootstrap, unique_name)
        stream.last["warmup"] = (0, -1)
        stream.start()
        seen: dict[str, int] = {}
        regressions: list[str] = []

        def versions_only_grow() -> dict[str, tuple[dict, int]]:
            docs = target.documents()
            for doc_id, (_source, version) in docs.items():
                if version < seen.get(doc_id, -1):
                    regressions.append(f"{doc_id}: version {seen[doc_id]} then {version}")
                seen[doc_id] = max(version, seen.get(doc_id, -1))
            return docs

        proc = start_worker(args, log)
        try:
            wait_until(
                lambda: len(versions_only_grow()) > KEYS // 2 or proc.poll() is not None,
                timeout=60,
                message="documents from the first worker",
            )
            assert proc.poll() is None, log.read_text()[-3000:]
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            assert stream.is_alive(), "the stream ended before the kill; the test proves nothing"
            proc = start_worker(args, log)
            time.sleep(2)  # the restarted worker joins while records still arrive
            stream.halt.set()

            def converged() -> bool:
                docs = versions_only_grow()
                return (
                    not stream.is_alive()
                    and len(docs) == KEYS + 1
                    and all(docs.get(key, ({}, -1))[1] == offset for key, (offset, _seq) in stream.last.items())
                )

            wait_until(lambda: converged() or proc.poll() is not None, timeout=120, message="the index to converge")
            assert proc.poll() is None, log.read_text()[-3000:]
        finally:
            stop_worker(proc)
        docs = target.documents()
        assert regressions == []
        assert {key: (source["seq"], version) for key, (source, version) in docs.items()} == {
            key: (seq, offset) for key, (offset, seq) in stream.last.items()
        }
