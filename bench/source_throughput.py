"""Source throughput of the runtime (datagen → JsonConverter without schemas → producer) against a bare producer.

    python bench/source_throughput.py [--records 200000] [--bootstrap 127.0.0.1:19092] [--rounds 3]

The limit is a confluent-kafka producer loop sending the very bytes the runtime sends
(200-byte JSON values and their keys, serialized beforehand) with the runtime's producer
settings (acks=all, idempotence, linger.ms=5). The runtime runs as `connect standalone`
in a subprocess with its defaults; its rate is read from the topic's end offset, from the
first record to the last, so start-up is reported apart. Peak RSS and CPU are the worker's.

Between the two, the ceiling: datagen's records converted and produced in one plain loop with
no runtime around it. It splits the gap to the limit into what building and serializing the
records costs in CPython (limit → ceiling) and what the runtime adds (ceiling → runtime).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _measure import Worker, delete_topics
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from connect.plugins import PluginKind, default_registry
from connect.runtime.gc_tuning import tune_for_throughput
from connect.runtime.kafka_clients import PRODUCER_DEFAULTS
from connect.spi import Converter
from connect.storage.offsets import MemoryOffsetBackingStore, OffsetStorageReaderImpl
from connectors.datagen.source import DatagenSourceTask

RECORD_SIZE = 200
KEYS = 1000


class _Context:
    """A fresh task's context: no committed offsets."""

    connector_name = "bench"
    task_id = 0
    offset_reader = OffsetStorageReaderImpl(MemoryOffsetBackingStore(), "bench")


def datagen_props(topic: str, records: int) -> dict[str, str]:
    return {
        "kafka.topic": topic,
        "max.records": str(records),
        "record.size": str(RECORD_SIZE),
        "key.cardinality": str(KEYS),
    }


def datagen_and_converters(topic: str, records: int) -> tuple[DatagenSourceTask, Converter, Converter]:
    """A started datagen task and the key and value JsonConverters (without schemas), as the runtime loads them."""
    converters = []
    for is_key in (True, False):
        conv = default_registry().load(PluginKind.CONVERTER, "JsonConverter")()
        conv.configure({"schemas.enable": "false"}, is_key)
        converters.append(conv)
    task = DatagenSourceTask()
    task.initialize(_Context())  # type: ignore[arg-type]
    task.start(datagen_props(topic, records))
    return task, converters[0], converters[1]


def same_bytes(records: int) -> list[tuple[bytes | None, bytes | None]]:
    """(key, value) bytes exactly as the runtime's JsonConverter writes datagen's records."""
    task, key_conv, value_conv = datagen_and_converters("t", records)
    out = []
    while len(out) < records:
        for r in task.poll() or []:
            out.append(
                (
                    key_conv.from_connect(r.topic, r.key_schema, r.key),
                    value_conv.from_connect(r.topic, r.value_schema, r.value),
                )
            )
    return out


def create_topic(admin: AdminClient, topic: str) -> None:
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)


def bare_producer(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes | None]]) -> tuple[float, float]:
    """Records/s of a plain produce loop, from the first produce to the last acknowledgement, and CPU µs/record."""
    producer = Producer({**PRODUCER_DEFAULTS, "bootstrap.servers": bootstrap})
    producer.list_topics(topic, timeout=10)  # connect and fetch metadata outside the timing
    produce, poll = producer.produce, producer.poll
    cpu = time.process_time()
    started = time.perf_counter()
    for key, value in messages:
        while True:
            try:
                produce(topic, value, key)
                break
            except BufferError:
                poll(0.01)
    remaining = producer.flush(120)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if remaining:
        raise SystemExit(f"bare producer: {remaining} messages not acknowledged")
    return len(messages) / elapsed, cpu / len(messages) * 1e6


def connector_ceiling(bootstrap: str, topic: str, records: int) -> tuple[float, float]:
    """Records/s of datagen → JsonConverter → produce in one plain loop: no runtime at all.

    What this connector and converter cost in CPython, whatever runs them; the runtime can
    approach this figure but not pass it. CPU µs/record as in `bare_producer`.
    """
    task, key_conv, value_conv = datagen_and_converters(topic, records)
    producer = Producer({**PRODUCER_DEFAULTS, "bootstrap.servers": bootstrap})
    producer.list_topics(topic, timeout=10)
    produce, poll = producer.produce, producer.poll
    key_of, value_of = key_conv.from_connect, value_conv.from_connect
    cpu = time.process_time()
    started = time.perf_counter()
    sent = 0
    while sent < records:
        for r in task.poll() or ():
            key, value = key_of(r.topic, r.key_schema, r.key), value_of(r.topic, r.value_schema, r.value)
            while True:
                try:
                    produce(r.topic, value, key)
                    break
                except BufferError:
                    poll(0.01)
            sent += 1
    remaining = producer.flush(120)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if remaining:
        raise SystemExit(f"connector ceiling: {remaining} messages not acknowledged")
    return records / elapsed, cpu / records * 1e6


def ceiling_in_fresh_process(bootstrap: str, topic: str, records: int) -> tuple[float, float]:
    """`connector_ceiling` in a new interpreter, as clean as the worker's (not this one, holding the limit's bytes)."""
    out = subprocess.run(
        [sys.executable, __file__, "--bootstrap", bootstrap, "--records", str(records), "--ceiling-topic", topic],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"connector ceiling failed:\n{out.stderr[-3000:]}")
    rate, cpu = json.loads(out.stdout.strip().splitlines()[-1])
    return rate, cpu


def runtime(bootstrap: str, topic: str, records: int, workdir: Path) -> dict[str, float]:
    """Run `connect standalone` with a datagen connector; time the records' arrival in Kafka."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}"})
    tp = TopicPartition(topic, 0)
    worker = Worker(
        workdir / topic, bootstrap, {topic: {"connector.class": "datagen", **datagen_props(topic, records)}}
    )
    try:
        first_at, first_count, first_cpu, end = None, 0, 0.0, 0
        deadline = time.monotonic() + 300
        while end < records:
            if worker.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"worker stopped or stalled at {end} records:\n" + worker.log.read_text(errors="replace")[-3000:]
                )
            end = consumer.get_watermark_offsets(tp, timeout=10, cached=False)[1]
            now = time.monotonic()
            if first_at is None and end > 0:
                first_at, first_count, first_cpu = now, end, worker.cpu_seconds()
            time.sleep(0.01)
        done_at = time.monotonic()
        peak_rss, cpu = worker.peak_rss_mb(), worker.cpu_seconds()
    finally:
        worker.stop()
        consumer.close()
    assert first_at is not None
    return {
        "rate": (end - first_count) / (done_at - first_at),
        "startup_s": first_at - worker.started,
        "peak_rss_mb": peak_rss,
        "cpu_s": cpu,
        "cpu_us": (cpu - first_cpu) / (end - first_count) * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    parser.add_argument("--rounds", type=int, default=3, help="pairs of measurements (limit, then runtime)")
    parser.add_argument("--ceiling-topic", help=argparse.SUPPRESS)  # internal: measure the ceiling only
    args = parser.parse_args()
    if args.ceiling_topic:
        tune_for_throughput()
        print(json.dumps(connector_ceiling(args.bootstrap, args.ceiling_topic, args.records)))
        return
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    messages = same_bytes(args.records)
    mean_value = sum(len(v or b"") for _, v in messages) / len(messages)
    limits, ceilings, runs, topics = [], [], [], []

    def fresh_topic(kind: str) -> str:
        topic = f"bench-{kind}-{uuid.uuid4().hex[:8]}"
        topics.append(topic)
        create_topic(admin, topic)
        return topic

    try:
        with tempfile.TemporaryDirectory(prefix="bench-source-") as tmp:
            for _ in range(args.rounds):
                limits.append(bare_producer(args.bootstrap, fresh_topic("bare"), messages))
                ceilings.append(ceiling_in_fresh_process(args.bootstrap, fresh_topic("ceiling"), args.records))
                runs.append(runtime(args.bootstrap, fresh_topic("runtime"), args.records, Path(tmp)))
    finally:
        delete_topics(args.bootstrap, topics)

    # Each round measures the limit, the ceiling and the runtime one after the other; on a shared machine the
    # load moves between rounds, so the ratios that count are the medians of the per-round ratios.
    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    ratio = median([r["rate"] / lim for r, (lim, _) in zip(runs, limits, strict=True)])
    ceiling_ratio = median([c / lim for (c, _), (lim, _) in zip(ceilings, limits, strict=True)])
    of_ceiling = median([r["rate"] / c for r, (c, _) in zip(runs, ceilings, strict=True)])
    best = max(runs, key=lambda r: r["rate"])
    print(
        f"source throughput, {args.records} records, values {mean_value:.0f} B JSON without schema, "
        f"{args.rounds} round(s)"
    )
    for i, (r, (lim, lim_cpu), (ceil, ceil_cpu)) in enumerate(zip(runs, limits, ceilings, strict=True), 1):
        print(
            f"  round {i}: runtime {r['rate']:>9,.0f}/s ({r['cpu_us']:.1f} CPU µs/record)  "
            f"ceiling {ceil:>9,.0f}/s ({ceil_cpu:.1f})  limit {lim:>9,.0f}/s ({lim_cpu:.1f})  "
            f"ratio {r['rate'] / lim:.0%}"
        )
    print(f"  runtime (connect standalone, datagen):  {best['rate']:>10,.0f} records/s (best round)")
    print(
        f"  ceiling (datagen+JsonConverter+produce, no runtime): "
        f"{max(c for c, _ in ceilings):,.0f} records/s (best round)"
    )
    print(f"  limit (bare confluent-kafka producer):  {max(lim for lim, _ in limits):>10,.0f} records/s (best round)")
    print(f"  ratio:                                  {ratio:>10.0%}   (median of rounds; goal >= 70%)")
    print(
        f"  ceiling / limit:                        {ceiling_ratio:>10.0%}   (what the connector and converter "
        f"leave to any runtime)"
    )
    print(f"  runtime / ceiling:                      {of_ceiling:>10.0%}   (the runtime's own cost)")
    print(f"  worker peak RSS:                        {max(r['peak_rss_mb'] for r in runs):>10.0f} MB")
    print(f"  worker CPU for the run:                 {best['cpu_s']:>10.1f} s (start-up included)")
    print(f"  worker start-up to first record:        {best['startup_s']:>10.2f} s")


if __name__ == "__main__":
    main()
