"""datagen → Kafka → file sink through `connect standalone`, surviving a `kill -9` of the worker.

After the crash and a restart every sequence number reaches the file. Duplicates are
counted on both sides and must come only from the window the worker had not flushed:
source records after the source offset stored before the kill, and sink lines after the
consumer offset committed before the kill.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition

from tests.support.kafka import wait_until

RECORDS = 6000
RATE = 1500  # records/s: about 4 s of data, so the kill lands mid-stream


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker:
    """One `connect standalone` process, its log kept for failure messages."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sluice.cli", "standalone", *args], stdout=out, stderr=out
            )

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


@pytest.fixture
def pipeline(services, unique_name, tmp_path):
    topic = unique_name
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
    (tmp_path / "datagen.json").write_text(
        json.dumps(
            {
                "name": f"{topic}-gen",
                "config": {
                    "connector.class": "datagen",
                    "kafka.topic": topic,
                    "max.records": str(RECORDS),
                    "rate": str(RATE),
                    "key.cardinality": "10",
                    "record.size": "100",
                    "topic.creation.default.partitions": "2",
                    "topic.creation.default.replication.factor": "1",
                },
            }
        )
    )
    (tmp_path / "file.json").write_text(
        json.dumps(
            {
                "name": f"{topic}-file",
                "config": {
                    "connector.class": "file",
                    "topics": topic,
                    "file": str(tmp_path / "out.jsonl"),
                    "file.format": "record",
                    # The killed worker's group member holds the partitions until its session expires: keep that short.
                    "consumer.override.session.timeout.ms": "6000",
                },
            }
        )
    )
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(
            [str(tmp_path / n) for n in ("worker.properties", "datagen.json", "file.json")], tmp_path / "worker.log"
        )
        workers.append(worker)
        return worker

    yield start, tmp_path, topic
    for w in workers:
        w.stop()


def lines(path: Path) -> list[dict]:
    """The records in the file; a line the kill cut short (the sink starts a fresh line after it) is skipped."""
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().split(b"\n")[:-1]:
        try:
            out.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
    return out


def stored_source_seq(offsets_file: Path, connector: str) -> int:
    """The sequence number the worker stored for its datagen task (-1 when none yet)."""
    if not offsets_file.exists():
        return -1
    stored = orjson.loads(offsets_file.read_bytes())
    key = orjson.dumps([connector, {"datagen": f"{connector}/0"}]).decode()
    return orjson.loads(stored[key])["seq"] if key in stored else -1


def committed_sink_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, p) for p in parts], timeout=10)
        return {tp.partition: max(tp.offset, 0) for tp in committed}
    finally:
        consumer.close()


def test_every_sequence_number_reaches_the_file_after_kill_9(pipeline, services):
    start, tmp_path, topic = pipeline
    out, offsets_file = tmp_path / "out.jsonl", tmp_path / "offsets.json"
    source, sink = f"{topic}-gen", f"{topic}-file"

    worker = start()
    wait_until(
        lambda: (
            (stored_source_seq(offsets_file, source) >= RECORDS // 4 and len(lines(out)) >= RECORDS // 8)
            or not worker.alive()
        ),
        timeout=60,
        message="a quarter of the records flushed",
    )
    assert worker.alive(), worker.log_tail()
    # Read what the worker has made durable, then crash it: anything after these may be sent again.
    source_seq = stored_source_seq(offsets_file, source)
    sink_committed = committed_sink_offsets(services.kafka_bootstrap, f"connect-{sink}", topic)
    worker.kill9()
    killed_at_ms = int(time.time() * 1000)
    assert source_seq < RECORDS - 1, "the kill came after the end of the stream; the test proves nothing"

    worker = start()
    wait_until(
        lambda: {r["value"]["seq"] for r in lines(out)} >= set(range(RECORDS)) or not worker.alive(),
        timeout=90,
        message="every sequence number in the file",
    )
    assert worker.alive(), worker.log_tail()
    records = lines(out)
    assert {r["value"]["seq"] for r in records} == set(range(RECORDS))

    # Sink side: a Kafka record written twice lies at or after the offset committed before the kill.
    written = collections.Counter((r["partition"], r["offset"]) for r in records)
    sink_dups = {pos: n - 1 for pos, n in written.items() if n > 1}
    assert all(offset >= sink_committed.get(partition, 0) for partition, offset in sink_dups)
    # Source side: a sequence number sent twice (two Kafka records) comes after the stored source offset,
    # and there are no more of them than records sent after that offset.
    kafka_records_per_seq = collections.defaultdict(set)
    for r in records:
        kafka_records_per_seq[r["value"]["seq"]].add((r["partition"], r["offset"]))
    source_dups = {seq: len(pos) - 1 for seq, pos in kafka_records_per_seq.items() if len(pos) > 1}
    assert all(seq > source_seq for seq in source_dups), sorted(source_dups)[:10]
    # datagen stamps each value when it makes it, so the records of the first run are those stamped before the kill.
    last_before_kill = max(r["value"]["seq"] for r in records if r["value"]["ts"] < killed_at_ms)
    assert sum(source_dups.values()) <= last_before_kill - source_seq
    print(
        f"\n{RECORDS} sequence numbers; stored source offset at the kill: {source_seq}, last sent before the "
        f"kill: {last_before_kill}; source duplicates: {sum(source_dups.values())}, sink duplicates: "
        f"{sum(sink_dups.values())}"
    )
    # Records carry the datagen key through the JSON converter.
    assert {r["key"] for r in records} == {f"key-{n}" for n in range(10)}
