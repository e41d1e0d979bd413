"""Postgres CDC bench: streaming and snapshot rows/s into Kafka beside the limits measured in the same run.

    python bench/pg_cdc.py [--rows 1000000] [--pg postgresql://...] [--kafka 127.0.0.1:19092]

(1) the limit: pg_recvlogical (pgoutput) draining the WAL of N rows inserted by one INSERT ... SELECT
into BENCH.md's 10-column table; (2) our task streaming the same N rows into Kafka (poll loop +
confluent-kafka producer, JSON without schemas as the JsonConverter writes it), from COMMIT to the
last acknowledged record; (3) snapshot rows/s of the same N-row table beside COPY ... TO STDOUT and
beside a bare producer sending records of the same size. Prints rows/s, ratios, CPU seconds, peak RSS.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import decimal
import os
import resource
import subprocess
import time
import uuid
from typing import Any

import orjson
import psycopg
from confluent_kafka import Producer
from psycopg.conninfo import conninfo_to_dict

from connectors.postgres.source import PostgresSourceTask

TABLE_SQL = """CREATE TABLE {t} (id bigint PRIMARY KEY, i int, l bigint, n numeric, d double precision,
  b boolean, s text, v varchar(64), ts timestamptz, j jsonb)"""
INSERT_SQL = """INSERT INTO {t} SELECT g, g % 1000, g * 7, g / 3.0, g * 0.5, g % 2 = 0, 'text value ' || g,
  'varchar ' || g, now(), jsonb_build_object('k', g, 'tag', 'x') FROM generate_series({lo}, {hi}) g"""


class Context:
    connector_name = "bench"
    task_id = 0

    def __init__(self) -> None:
        self.offset_reader = self
        self.status: dict[str, Any] = {}

    def offset(self, partition: Any) -> None:
        return None

    def offsets(self, partitions: Any) -> dict[str, Any]:
        return {}

    def report_status(self, details: Any) -> None:
        self.status = dict(details)


def _default(value: Any) -> Any:
    # As Kafka Connect's JsonConverter writes these without schemas.
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(type(value))


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def task_props(pg: dict[str, Any], prefix: str, table: str, mode: str) -> dict[str, str]:
    return {"database.hostname": pg.get("host", "127.0.0.1"), "database.port": str(pg.get("port", 5432)),
            "database.user": pg["user"], "database.password": pg.get("password", ""), "database.dbname": pg["dbname"],
            "topic.prefix": prefix, "slot.name": prefix, "publication.name": prefix,
            "publication.autocreate.mode": "filtered", "table.include.list": f"public.{table}",
            "snapshot.mode": mode, "slot.drop.on.stop": "true"}


def drive(task: PostgresSourceTask, producer: Producer, rows: int) -> tuple[float, int]:
    """Poll, serialize and produce until `rows` data records were acknowledged; (ack time, bytes)."""
    acked = [0]
    last_ack = [0.0]

    def on_delivery(err: Any, msg: Any) -> None:
        if err is None:
            acked[0] += 1
            last_ack[0] = time.monotonic()

    sent = size = 0
    dumps = orjson.dumps
    produce = producer.produce
    while acked[0] < rows:
        for r in task.poll() or ():
            if r.value is None:
                continue
            value = dumps(r.value, default=_default)
            key = dumps(r.key, default=_default)
            size += len(value)
            while True:
                try:
                    produce(r.topic, value, key, on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.05)
            sent += 1
        producer.poll(0)
        if sent >= rows:
            producer.flush(60)
    return last_ack[0], size // max(sent, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("PG_DSN", "postgresql://sluice:sluice@127.0.0.1:15432/sluice"))
    ap.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:19092"))
    args = ap.parse_args()
    n = args.rows
    pg = conninfo_to_dict(args.pg)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(args.pg, autocommit=True)
    conn.execute(TABLE_SQL.format(t=name))
    conn.execute(f"CREATE PUBLICATION {name} FOR TABLE {name}")
    producer_conf = {"bootstrap.servers": args.kafka, "linger.ms": 5, "queue.buffering.max.messages": 500_000}
    try:
        # (1) the limit: pg_recvlogical draining the WAL of one INSERT ... SELECT of n rows.
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (name + "_recv",))
        conn.execute(INSERT_SQL.format(t=name, lo=1, hi=n))
        end = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        env = {**os.environ, "PGPASSWORD": pg.get("password", "")}
        started = time.monotonic()
        subprocess.run(["pg_recvlogical", "-h", pg.get("host", "127.0.0.1"), "-p", str(pg.get("port", 5432)),
                        "-U", pg["user"], "-d", pg["dbname"], "--slot", name + "_recv", "--start", "-f", "/dev/null",
                        "-o", "proto_version=1", "-o", f"publication_names={name}", "--endpos", end,
                        "--no-loop"], check=True, env=env)
        limit = n / (time.monotonic() - started)
        conn.execute("SELECT pg_drop_replication_slot(%s)", (name + "_recv",))
        conn.execute(f"TRUNCATE {name}")

        # (2) our task streaming the same rows into Kafka.
        task = PostgresSourceTask()
        task.initialize(Context())
        t0 = time.monotonic()
        task.start(task_props(pg, name, name, "no_data"))
        task.poll()
        startup = time.monotonic() - t0
        producer = Producer(producer_conf)
        conn.execute(INSERT_SQL.format(t=name, lo=n + 1, hi=2 * n))
        committed = time.monotonic()
        cpu0 = cpu()
        last_ack, record_size = drive(task, producer, n)
        streaming = n / (last_ack - committed)
        stream_cpu = cpu() - cpu0
        task.stop()
        print(f"pg_recvlogical (pgoutput) limit: {limit:,.0f} rows/s")
        print(f"streaming into Kafka:            {streaming:,.0f} rows/s  ratio {streaming / limit:.2f} of the limit; "
              f"{stream_cpu:.1f} CPU-s for {n:,} rows; start-up to streaming {startup:.2f} s; "
              f"record {record_size} B")

        # (3) snapshot of a table of n rows (the second batch), beside COPY and a bare producer.
        conn.execute(f"DELETE FROM {name} WHERE id <= {n}")
        started = time.monotonic()
        with conn.cursor().copy(f"COPY {name} TO STDOUT") as copy:
            for _ in copy:
                pass
        copy_rate = n / (time.monotonic() - started)
        payload = b"x" * record_size
        bare = Producer(producer_conf)
        started = time.monotonic()
        for i in range(n):
            while True:
                try:
                    bare.produce(name + "-bare", payload, str(i).encode())
                    break
                except BufferError:
                    bare.poll(0.05)
        bare.flush(60)
        bare_rate = n / (time.monotonic() - started)
        snap = PostgresSourceTask()
        snap.initialize(Context())
        started = time.monotonic()
        cpu0 = cpu()
        snap.start(task_props(pg, name + "_s", name, "initial_only"))
        last_ack, _ = drive(snap, Producer(producer_conf), n)
        snapshot_rate = n / (last_ack - started)
        snap.stop()
        print(f"snapshot into Kafka:             {snapshot_rate:,.0f} rows/s  ratio {snapshot_rate / bare_rate:.2f} of "
              f"the bare producer ({bare_rate:,.0f} msgs/s of {record_size} B); COPY TO STDOUT {copy_rate:,.0f} "
              f"rows/s; {cpu() - cpu0:.1f} CPU-s")
        print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")
    finally:
        conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     "WHERE slot_name LIKE %s AND active_pid IS NULL", (name + "%",))
        conn.execute(f"DROP PUBLICATION IF EXISTS {name}; DROP PUBLICATION IF EXISTS {name}_s")
        conn.execute(f"DROP TABLE IF EXISTS {name}")


if __name__ == "__main__":
    main()
