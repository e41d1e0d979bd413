"""Postgres CDC bench: the worker streaming and snapshotting into Kafka, beside limits measured in the same run.

    python bench/pg_cdc.py [--rows 1000000] [--pg postgresql://...] [--kafka 127.0.0.1:19092]

BENCH.md's 10-column table (bigint key, int, bigint, numeric, double, bool, text, varchar,
timestamptz, jsonb); N rows inserted by one INSERT ... SELECT.
(1) limit: pg_recvlogical (pgoutput) draining the WAL of those N rows to /dev/null;
(2) the worker (`connect standalone`, its own process, JsonConverter without schemas, as the
    Debezium figures) streaming the same N rows: from COMMIT to the last record in Kafka, the
    ratio to the limit, the worker's CPU seconds and peak RSS, and start-up to streaming;
(3) a snapshot of the N-row table by a fresh worker (launch to last record), beside COPY ... TO
    STDOUT of the same table and a bare confluent-kafka producer sending N records of the same size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from _cdc import INSERT_SQL, TABLE_SQL, connector_config, wait_streaming
from _measure import Worker, delete_topics
from confluent_kafka import Consumer, Producer, TopicPartition
from psycopg.conninfo import conninfo_to_dict


def wait_for_records(kafka: str, topic: str, count: int, timeout: float = 900.0) -> float:
    """Poll the topic's end offset until it reaches `count`; the monotonic time it did."""
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"bench-{uuid.uuid4().hex}"})
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                _, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)
            except Exception:
                high = 0
            if high >= count:
                return time.monotonic()
            time.sleep(0.02)
    finally:
        consumer.close()
    raise TimeoutError(f"{topic} did not reach {count} records")


def record_size(kafka: str, topic: str) -> int:
    consumer = Consumer(
        {"bootstrap.servers": kafka, "group.id": f"bench-{uuid.uuid4().hex}", "auto.offset.reset": "earliest"}
    )
    consumer.assign([TopicPartition(topic, 0, 0)])
    try:
        for _ in range(50):
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None and msg.value():
                return len(msg.value())
    finally:
        consumer.close()
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--pg", default=os.environ.get("SLUICE_PG_DSN", "postgresql://sluice:sluice@127.0.0.1:15432/sluice")
    )
    ap.add_argument("--kafka", default=os.environ.get("SLUICE_KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    args = ap.parse_args()
    n, kafka = args.rows, args.kafka
    pg = conninfo_to_dict(args.pg)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(args.pg, autocommit=True)
    conn.execute(TABLE_SQL.format(t=name))
    workdir = Path(tempfile.mkdtemp(prefix="pg_cdc_"))
    workers: list[Worker] = []
    try:
        # (1) the limit: pg_recvlogical draining the WAL of one INSERT ... SELECT of n rows.
        conn.execute(f"CREATE PUBLICATION {name}_recv FOR TABLE {name}")
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (name + "_recv",))
        conn.execute(INSERT_SQL.format(t=name, lo=1, hi=n))
        end = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        started = time.monotonic()
        subprocess.run(
            [
                "pg_recvlogical",
                "-h",
                str(pg.get("host", "127.0.0.1")),
                "-p",
                str(pg.get("port", 5432)),
                "-U",
                str(pg["user"]),
                "-d",
                str(pg["dbname"]),
                "--slot",
                name + "_recv",
                "--start",
                "-f",
                "/dev/null",
                "-o",
                "proto_version=1",
                "-o",
                f"publication_names={name}_recv",
                "--endpos",
                end,
                "--no-loop",
            ],
            check=True,
            env={**os.environ, "PGPASSWORD": str(pg.get("password", ""))},
        )
        limit = n / (time.monotonic() - started)
        conn.execute("SELECT pg_drop_replication_slot(%s)", (name + "_recv",))
        conn.execute(f"TRUNCATE {name}")

        # (2) the worker streaming the same rows.
        worker = Worker(workdir / "stream", kafka, {"pg": connector_config(pg, name, name, "no_data")})
        workers.append(worker)
        startup = wait_streaming(conn, name) - worker.started
        time.sleep(1)
        cpu0 = worker.cpu_seconds()
        conn.execute(INSERT_SQL.format(t=name, lo=n + 1, hi=2 * n))
        committed = time.monotonic()
        done = wait_for_records(kafka, f"{name}.public.{name}", n)
        streaming = n / (done - committed)
        stream_cpu = worker.cpu_seconds() - cpu0
        stream_rss = worker.peak_rss_mb()
        worker.stop()
        size = record_size(kafka, f"{name}.public.{name}")
        print(f"pg_recvlogical (pgoutput) limit: {limit:,.0f} rows/s")
        print(
            f"streaming (worker -> Kafka):     {streaming:,.0f} rows/s  = {streaming / limit:.2f} x the limit; "
            f"{stream_cpu:.1f} CPU-s for {n:,} rows; peak RSS {stream_rss:.0f} MB; start-up to streaming "
            f"{startup:.2f} s; records of {size} B"
        )

        # (3) snapshot of an n-row table, beside COPY and a bare producer.
        conn.execute(f"DELETE FROM {name} WHERE id <= {n}")
        conn.execute(f"VACUUM {name}")
        started = time.monotonic()
        with conn.cursor().copy(f"COPY {name} TO STDOUT") as copy:
            for _ in copy:
                pass
        copy_rate = n / (time.monotonic() - started)
        bare = Producer({"bootstrap.servers": kafka, "linger.ms": 5})
        payload = b"x" * size
        started = time.monotonic()
        for i in range(n):
            while True:
                try:
                    bare.produce(name + "-bare", payload, str(i).encode())
                    break
                except BufferError:
                    bare.poll(0.05)
        bare.flush(120)
        bare_rate = n / (time.monotonic() - started)
        snap = Worker(workdir / "snapshot", kafka, {"pg": connector_config(pg, name + "_s", name, "initial_only")})
        workers.append(snap)
        done = wait_for_records(kafka, f"{name}_s.public.{name}", n)
        snapshot = n / (done - snap.started)
        print(
            f"snapshot (worker -> Kafka):      {snapshot:,.0f} rows/s  = {snapshot / bare_rate:.2f} x the bare "
            f"producer ({bare_rate:,.0f} msgs/s of {size} B); COPY TO STDOUT {copy_rate:,.0f} rows/s; "
            f"{snap.cpu_seconds():.1f} CPU-s (launch included); peak RSS {snap.peak_rss_mb():.0f} MB"
        )
        snap.stop()
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.stop()
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name LIKE %s AND NOT active",
            (name + "%",),
        )
        for pub in (name, name + "_s", name + "_recv"):
            conn.execute(f"DROP PUBLICATION IF EXISTS {pub}")
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        delete_topics(kafka, [f"{name}.public.{name}", f"{name}_s.public.{name}", name + "-bare"])


if __name__ == "__main__":
    main()
