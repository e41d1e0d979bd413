"""Streams runtime throughput: a stateless pipeline (filter + map_values) and a stateful count by key, each
beside a bare confluent-kafka consume → filter/map → produce loop over the same topic, in the same run.

    python bench/streams.py [--records 1000000] [--keys 1000] [--quix-python PATH]

Input: one partition of 200-byte JSON records keyed by one of `--keys` strings. Each phase runs in a fresh
forked process (its own peak RSS) with its own consumer group and output topic; its rate is input records
per second from the first record it sees to the moment the output topic holds every expected record
(acknowledged by Kafka). The stateful count keeps its counts in RocksDB behind the record cache and logs
them to a compacted changelog (at-least-once, the default commit interval).

Quix Streams 3.28 (the anchor in BENCH.md) runs the same two pipelines when an interpreter with it is
found (`--quix-python`, `$QUIX_PYTHON`, or `.venv-quix/bin/python`; make one with
`python3 -m venv .venv-quix && .venv-quix/bin/pip install quixstreams==3.28.1`: it pins an older
confluent-kafka, so it cannot share the project's environment); otherwise the bench says it skipped Quix.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measure import delete_topics, in_process, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]


def bootstrap() -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "services"), "env"], check=True, capture_output=True, text=True
    ).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return env["SLUICE_KAFKA_BOOTSTRAP"]


def fill(kafka: str, topic: str, records: int, keys: int, out: Any) -> None:
    producer = Producer({"bootstrap.servers": kafka, "linger.ms": 20, "batch.num.messages": 10000})
    pad = "x" * 120
    for i in range(records):
        value = orjson.dumps({"id": i, "key": f"k{i % keys}", "amount": (i * 7) % 1000, "pad": pad})
        while True:
            try:
                producer.produce(topic, value, f"k{i % keys}".encode())
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(60)
    out.put((0.0, 0.0))


def wait_for(kafka: str, topic: str, count: int) -> float:
    """perf_counter time at which `topic` (one partition) holds `count` records."""
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"bench-watch-{uuid.uuid4().hex[:8]}"})
    try:
        while True:
            try:
                _, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), 5)
            except Exception:
                high = 0
            if high >= count:
                return time.perf_counter()
            time.sleep(0.01)
    finally:
        consumer.close()


def transform(v: dict[str, Any]) -> dict[str, Any]:
    return {"id": v["id"], "amount": v["amount"] * 2, "tag": "even"}


# -- phases (each in its own process) -----------------------------------------------------------------
def bare_loop(kafka: str, source: str, sink: str, records: int, out: Any) -> None:
    consumer = Consumer(
        {
            "bootstrap.servers": kafka,
            "group.id": f"bench-bare-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    producer = Producer({"bootstrap.servers": kafka, "linger.ms": 5})
    consumer.subscribe([source])
    loads, dumps, produce = orjson.loads, orjson.dumps, producer.produce
    seen, started = 0, 0.0
    while seen < records:
        msgs = consumer.consume(1000, 0.5)
        if msgs and not started:
            started = time.perf_counter()
        for msg in msgs:
            v = loads(msg.value())
            if v["amount"] % 2 == 0:
                try:
                    produce(sink, dumps(transform(v)), msg.key())
                except BufferError:
                    producer.flush()
                    produce(sink, dumps(transform(v)), msg.key())
        seen += len(msgs)
        producer.poll(0)
    producer.flush(60)
    elapsed = time.perf_counter() - started
    consumer.close()
    out.put((records / elapsed, peak_rss_mb()))


class _Clocked:
    """STRING-like key serde that notes when the first record arrives (one branch per record)."""

    def __init__(self, started: list[float]) -> None:
        self.started = started

    def serialize(self, obj: Any) -> bytes | None:
        return None if obj is None else obj.encode()

    def deserialize(self, data: bytes | None) -> Any:
        if not self.started:
            self.started.append(time.perf_counter())
        return None if data is None else data.decode()


def streams_phase(
    kafka: str, source: str, sink: str, records: int, kind: str, state_dir: str, app_id: str, out: Any
) -> None:
    from streams import KafkaStreams, StreamsBuilder

    started: list[float] = []
    b = StreamsBuilder()
    stream = b.stream(source, key_serde=_Clocked(started))
    if kind == "stateless":
        stream.filter(lambda k, v: v["amount"] % 2 == 0).map_values(transform).to(sink)
        expected = records // 2
    else:
        stream.group_by_key().count(store="counts").to_stream().to(sink)
        expected = records
    app = KafkaStreams(b.build(), {"application.id": app_id, "bootstrap.servers": kafka, "state.dir": state_dir})
    app.start()
    done = wait_for(kafka, sink, expected)
    app.close()
    if app.error is not None:
        raise app.error
    out.put((records / (done - started[0]), peak_rss_mb()))


def quix_phase(
    python: str, kafka: str, source: str, sink: str, records: int, kind: str, state_dir: str
) -> tuple[float, float]:
    expected = records // 2 if kind == "stateless" else records
    result = subprocess.run(
        [
            python,
            str(ROOT / "bench" / "_quix_streams.py"),
            kafka,
            source,
            sink,
            kind,
            str(expected),
            state_dir,
            str(records),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Quix phase failed: {result.stderr[-2000:]}")
    line = json.loads(result.stdout.strip().splitlines()[-1])
    return line["rate"], line["rss_mb"]


def find_quix(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("QUIX_PYTHON"), str(ROOT / ".venv-quix" / "bin" / "python")):
        if candidate and Path(candidate).exists():
            check = subprocess.run(
                [candidate, "-c", "import quixstreams; print(quixstreams.__version__)"], capture_output=True, text=True
            )
            if check.returncode == 0:
                return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--quix-python", default=None)
    args = parser.parse_args()
    kafka = bootstrap()
    run = uuid.uuid4().hex[:8]
    source = f"bench-streams-{run}-in"
    topics = [source]
    admin = AdminClient({"bootstrap.servers": kafka})

    def new_topic(suffix: str) -> str:
        name = f"bench-streams-{run}-{suffix}"
        for f in admin.create_topics([NewTopic(name, 1, 1)]).values():
            f.result()
        topics.append(name)
        return name

    quix = find_quix(args.quix_python)
    tmp = Path(tempfile.mkdtemp(prefix="bench-streams-"))
    try:
        for f in admin.create_topics([NewTopic(source, 1, 1)]).values():
            f.result()
        t = time.perf_counter()
        in_process(fill, kafka, source, args.records, args.keys)  # not in this process: forks inherit its RSS
        took = time.perf_counter() - t
        print(f"input: {args.records} records of ~200 bytes, {args.keys} keys, 1 partition ({took:.1f} s to write)")
        results: dict[str, tuple[float, float]] = {}
        results["bare loop"] = in_process(bare_loop, kafka, source, new_topic("bare"), args.records)
        for kind in ("stateless", "count"):
            results[f"sluice {kind}"] = in_process(
                streams_phase,
                kafka,
                source,
                new_topic(f"sluice-{kind}"),
                args.records,
                kind,
                str(tmp / f"sluice-{kind}"),
                f"bench-streams-{run}-app-{kind}",
            )
            if quix:
                results[f"quix {kind}"] = quix_phase(
                    quix, kafka, source, new_topic(f"quix-{kind}"), args.records, kind, str(tmp / f"quix-{kind}")
                )
        limit = results["bare loop"][0]
        print(f"{'phase':<18}{'records/s':>12}{'of bare loop':>14}{'peak RSS MB':>13}")
        for name, (rate, rss) in results.items():
            print(f"{name:<18}{rate:>12,.0f}{rate / limit:>14.2f}{rss:>13.0f}")
        for kind in ("stateless", "count"):
            if quix:
                ours, theirs = results[f"sluice {kind}"], results[f"quix {kind}"]
                print(f"{kind}: sluice / Quix = {ours[0] / theirs[0]:.2f}x, RSS {ours[1]:.0f} vs {theirs[1]:.0f} MB")
        if not quix:
            print("Quix Streams: skipped (no interpreter with quixstreams; see --quix-python)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        internal = [t for t in admin.list_topics(timeout=10).topics if t.startswith(f"bench-streams-{run}-app-")]
        delete_topics(kafka, topics + internal)


if __name__ == "__main__":
    main()
