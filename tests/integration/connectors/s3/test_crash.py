"""`kill -9` of a `connect standalone` worker running the S3 sink while it uploads, then a restart.

Records keep arriving on two partitions while the worker is killed twice. Afterwards every record is in
exactly one object, and each object's first record is at the offset in its name. Two configs: files cut by
size only, large enough to be multipart uploads (a replay writes the same objects again), and files cut
by the wall clock across field-partitioned folders (a replay cuts elsewhere: recovery deletes the
unfinished commit first).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from tests.integration.connectors.s3.s3_bucket import Bucket, sink_props
from tests.support.kafka import wait_until

PARTITIONS, RATE = 2, 3000  # records/s over both partitions
PAD = "x" * 1100


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stream(threading.Thread):
    """Produces {"seq", "p"} records round the partitions in chunks of `chunk` per partition, until halted at
    a chunk boundary, noting each seq's (partition, offset)."""

    def __init__(self, bootstrap: str, topic: str, chunk: int) -> None:
        super().__init__(daemon=True)
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        self.topic, self.chunk = topic, chunk
        self.where: dict[int, tuple[int, int]] = {}
        self.sent = 0
        self.halt = threading.Event()

    def _acked(self, err, msg) -> None:
        assert err is None, err
        self.where[orjson.loads(msg.value())["seq"]] = (msg.partition(), msg.offset())

    def run(self) -> None:
        started, seq = time.monotonic(), 0
        while not self.halt.is_set():
            for p in range(PARTITIONS):
                for _ in range(self.chunk):
                    value = orjson.dumps({"seq": seq, "p": p, "group": seq % 3, "pad": PAD})
                    self.producer.produce(self.topic, value, partition=p, on_delivery=self._acked)
                    self.producer.poll(0)
                    seq += 1
                    time.sleep(max(0.0, started + seq / RATE - time.monotonic()))
        assert self.producer.flush(30) == 0
        self.sent = seq


def start_worker(args: list[str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "sluice.cli", "standalone", *args], stdout=out, stderr=out)


CONFIGS = {
    # 4000 records of ~1.2 KB: 4.8 MB... plus the next: objects of ~5.5 MB, a multipart upload each
    "by-size-multipart": ({"flush.size": "4600", "s3.part.size": "5242880"}, 4600),
    "wall-clock-folders": (
        {
            "flush.size": "100000",
            "rotate.schedule.interval.ms": "1500",
            "timezone": "UTC",
            "partitioner.class": "FieldPartitioner",
            "partition.field.name": "group",
        },
        500,
    ),
}


@pytest.mark.parametrize("name", CONFIGS)
def test_kill_9_during_uploads_leaves_every_offset_in_exactly_one_object(services, unique_name, tmp_path, name):
    overrides, chunk = CONFIGS[name]
    admin = AdminClient({"bootstrap.servers": services.kafka_bootstrap})
    admin.create_topics([NewTopic(unique_name, PARTITIONS, 1)])[unique_name].result(30)
    with Bucket(services, unique_name) as bucket:
        (tmp_path / "worker.properties").write_text(
            "\n".join(
                [
                    f"bootstrap.servers={services.kafka_bootstrap}",
                    "key.converter=StringConverter",
                    "value.converter=JsonConverter",
                    "value.converter.schemas.enable=false",
                    f"offset.storage.file.filename={tmp_path / 'offsets.json'}",
                    "offset.flush.interval.ms=500",
                    f"listeners=http://127.0.0.1:{free_port()}",
                ]
            )
            + "\n"
        )
        config = {"connector.class": "s3", "topics": unique_name, **sink_props(services, bucket), **overrides}
        config["consumer.override.session.timeout.ms"] = "6000"
        (tmp_path / "s3.json").write_text(json.dumps({"name": f"{unique_name}-s3", "config": config}))
        args, log = [str(tmp_path / "worker.properties"), str(tmp_path / "s3.json")], tmp_path / "worker.log"
        stream = Stream(services.kafka_bootstrap, unique_name, chunk)
        stream.start()
        proc = start_worker(args, log)
        try:
            for kill in (2, 5):  # objects written before each kill
                wait_until(
                    lambda kill=kill, proc=proc: len(bucket.objects()) >= kill or proc.poll() is not None,
                    timeout=90,
                    message=f"{kill} objects from the worker",
                )
                assert proc.poll() is None, log.read_text()[-3000:]
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
                assert stream.is_alive(), "the stream ended before the kill; the test proves nothing"
                proc = start_worker(args, log)
            time.sleep(2)  # the restarted worker catches up while records still arrive
            stream.halt.set()
            stream.join(60)

            def all_written() -> bool:
                try:
                    lines = sum(len(bucket.read(k).splitlines()) for k in bucket.objects())
                except bucket.s3.exceptions.NoSuchKey:  # deleted by the restarted task's recovery meanwhile
                    return False
                return lines >= stream.sent or proc.poll() is not None

            wait_until(all_written, timeout=120, message="every record in S3")
            assert proc.poll() is None, log.read_text()[-3000:]
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        check_exactly_once(bucket, unique_name, stream)


def check_exactly_once(bucket: Bucket, topic: str, stream: Stream) -> None:
    seen: Counter[int] = Counter()
    offsets: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}
    for key in bucket.objects():
        _topic, partition, start = key.rsplit("/", 1)[1].split(".")[0].split("+")
        in_object = []
        for record in bucket.records(key):
            seen[record["seq"]] += 1
            p, offset = stream.where[record["seq"]]
            assert p == int(partition) == record["p"], key
            in_object.append(offset)
        assert in_object and in_object[0] == int(start), f"{key} starts at {in_object[:1]}"
        offsets[int(partition)] += in_object
    assert [s for s, n in seen.items() if n > 1] == [], "records in more than one object"
    assert sorted(seen) == list(range(stream.sent)), "records missing from the objects"
    for p, found in offsets.items():  # and so each partition's offsets, from 0, once each
        assert sorted(found) == list(range(len(found))), f"partition {p}: an offset missing or twice"
