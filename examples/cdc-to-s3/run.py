"""CDC to a data lake: changes to a Postgres table land in S3 as Parquet files, in daily folders, exactly once.

Run after `scripts/services up`: it (re)creates the table `lake_orders` and the bucket `lake`, starts a
standalone worker with `postgres-source.json` and `s3-sink.json`, makes changes, waits until the objects
hold the table's last state, prints them as pyarrow reads them. The worker is killed with SIGKILL in the
middle of the changes and restarted: S3 still holds every Kafka offset exactly once (each row carries its
offset, added by InsertField), while the CDC source, at least once, may have sent some changes twice.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pyarrow.parquet as pq
from botocore.config import Config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUCKET, TOPIC = "lake", "lake.public.lake_orders"


def services_env() -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "services"), "env"], check=True, capture_output=True, text=True
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def s3_client(env: dict[str, str]) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=env["SLUICE_S3_ENDPOINT"],
        aws_access_key_id=env["SLUICE_S3_ACCESS_KEY"],
        aws_secret_access_key=env["SLUICE_S3_SECRET_KEY"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required"),
    )


def wait(what: str, condition: Callable[[], Any], timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"example: timed out waiting for {what}")
        time.sleep(0.5)
    return result


def reset(env: dict[str, str], pg: psycopg.Connection, s3: Any) -> None:
    """Leave nothing of an earlier run: slot, publication, table, topic and group offsets, objects."""
    pg.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'lake_slot'")
    pg.execute("DROP PUBLICATION IF EXISTS lake_publication")
    pg.execute("DROP TABLE IF EXISTS lake_orders")
    pg.execute("CREATE TABLE lake_orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2))")
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": env["SLUICE_KAFKA_BOOTSTRAP"]})
    with contextlib.suppress(Exception):  # absent on a first run
        admin.delete_topics([TOPIC])[TOPIC].result(15)
    with contextlib.suppress(Exception):
        admin.delete_consumer_groups(["connect-orders-lake"])["connect-orders-lake"].result(15)
    with contextlib.suppress(s3.exceptions.ClientError):
        s3.create_bucket(Bucket=BUCKET)
    for key in sorted(objects(s3), reverse=True):
        s3.delete_object(Bucket=BUCKET, Key=key)


def objects(s3: Any) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="topics/")
    return sorted(o["Key"] for p in pages for o in p.get("Contents", ()) if o["Key"].endswith(".parquet"))


def rows(s3: Any) -> list[dict[str, Any]]:
    return [
        row
        for key in objects(s3)
        for row in pq.read_table(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())).to_pylist()
    ]


def start_worker(env: dict[str, str], workdir: Path) -> subprocess.Popen:
    props = workdir / "worker.properties"
    props.write_text((HERE / "worker.properties").read_text() + f"offset.storage.file.filename={workdir}/offsets\n")
    worker_env = {**os.environ, **env, "CONNECT_BOOTSTRAP_SERVERS": env["SLUICE_KAFKA_BOOTSTRAP"]}
    connect = Path(sys.executable).with_name("connect")
    with (workdir / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [str(connect), "standalone", str(props), str(HERE / "postgres-source.json"), str(HERE / "s3-sink.json")],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=worker_env,
        )


def main() -> int:
    env = services_env()
    s3 = s3_client(env)
    workdir = Path(tempfile.mkdtemp(prefix="sluice-lake-"))
    with psycopg.connect(env["SLUICE_PG_DSN"], autocommit=True) as pg:
        print("example: preparing table lake_orders and bucket lake")
        reset(env, pg, s3)
        pg.execute("INSERT INTO lake_orders SELECT g, 'customer ' || g % 7, g * 1.5 FROM generate_series(1, 150) g")
        print(f"example: starting the worker (log: {workdir / 'worker.log'})")
        worker = start_worker(env, workdir)
        try:
            wait("the snapshot in S3", lambda: len(rows(s3)) >= 150)
            print("example: 150 rows snapshotted; now 300 inserts, updates of every 10th order, 5 deletes")
            for g in range(151, 451):
                pg.execute("INSERT INTO lake_orders VALUES (%s, %s, %s)", (g, f"customer {g % 7}", g * 1.5))
                if g == 300:
                    print("example: kill -9 of the worker in the middle of it, then a restart")
                    worker.send_signal(signal.SIGKILL)
                    worker.wait(10)
                    worker = start_worker(env, workdir)
            pg.execute("UPDATE lake_orders SET total = total + 100 WHERE id % 10 = 0")
            pg.execute("DELETE FROM lake_orders WHERE id IN (1, 2, 3, 4, 5)")
            table = {r[0]: (r[1], r[2]) for r in pg.execute("SELECT id, customer, total FROM lake_orders")}

            def mirrors_the_table() -> list[dict[str, Any]] | None:
                found = rows(s3)
                latest = {r["id"]: r for r in sorted(found, key=lambda r: r["kafka_offset"])}
                alive = {i: (r["customer"], r["total"]) for i, r in latest.items() if r["__deleted"] == "false"}
                return found if alive == table else None

            found = wait("the objects to hold the table's last state", mirrors_the_table, timeout=120)
            print(f"\nexample: {len(objects(s3))} Parquet objects, e.g.:")
            for key in objects(s3)[:3]:
                print(f"  s3://{BUCKET}/{key}")
            print("\nexample: the last changes, as pyarrow reads them:")
            for row in found[-4:]:
                print(f"  {row}")
            offsets = [r["kafka_offset"] for r in found]
            assert len(offsets) == len(set(offsets)), "an offset written twice"
            print(
                f"\nexample: 500 changes made; the CDC source, at least once, replayed what it had not confirmed "
                f"when killed: S3 holds {len(offsets)} rows, each Kafka offset once (the deletes' tombstones are "
                "dropped by the unwrap transform), and the last image of each order equals the table"
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
