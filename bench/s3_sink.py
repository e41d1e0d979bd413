"""S3 sink bench: MB/s and records/s the sink task writes, beside boto3 uploading the same bytes directly.

    python bench/s3_sink.py [--records 200000] [--size 1024] [--flush 50000] [--format json] [--rounds 2]

(1) the limit: the objects the sink writes (the same JSON lines, split at the same offsets), uploaded by
boto3 itself to a fresh bucket, both as one `put_object` per object and with `upload_fileobj` (managed
multipart transfer, 4 threads); the faster counts. (2) the sink task's put/pre_commit path (puts of 500
records as the worker hands them over, pausing when the task asks) until pre_commit says every record is
in S3. Same store (`scripts/services` S3Proxy), same part size (`s3.part.size` default, 25 MiB). Phases are
interleaved over `--rounds` rounds, each in its own process (its own peak RSS); the best run of each
counts. Prints MB/s, records/s, the ratio (goal >= 70%) and peak RSS.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from _measure import BenchSinkContext, current_rss_mb, in_process, peak_rss_mb
from boto3.s3.transfer import TransferConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from connect.data import Schema, SinkRecord
from connect.data.schema import BOOLEAN_SCHEMA, FLOAT64_SCHEMA, INT64_SCHEMA, STRING_SCHEMA
from connect.spi import TopicPartition
from tests.fixtures.services import Services, read_env, s3_client

PUT_SIZE = 500  # the worker's max.poll.records
PART = 25 * 1024 * 1024
DOCUMENT = Schema.struct(  # for the formats that need one (Avro, Parquet); JSON records go schemaless
    "bench.Document",
    [
        ("id", INT64_SCHEMA),
        ("sku", STRING_SCHEMA),
        ("price", FLOAT64_SCHEMA),
        ("in_stock", BOOLEAN_SCHEMA),
        ("category", STRING_SCHEMA),
        ("updated_at", STRING_SCHEMA),
        ("description", STRING_SCHEMA),
    ],
)


def services() -> Services:
    env = read_env()
    fields: dict[str, Any] = {}
    for name, kind in Services.__annotations__.items():
        value = env[f"SLUICE_{name.upper()}"]
        fields[name] = int(value) if kind == "int" else value
    return Services(**fields)


def document(i: int, size: int) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": i,
        "sku": f"SKU-{i:08d}",
        "price": i % 1000 / 10,
        "in_stock": i % 3 != 0,
        "category": f"category-{i % 50}",
        "updated_at": "2026-11-23T08:00:00Z",
    }
    filler = size - 160
    doc["description"] = (f"item {i} " * (filler // 8 + 1))[:filler]
    return doc


def fresh_bucket(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)


def drop_bucket(s3: Any, name: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in sorted((i["Key"] for i in page.get("Contents", ())), reverse=True):
            s3.delete_object(Bucket=name, Key=item)
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    s3.delete_bucket(Bucket=name)


def objects(n: int, size: int, flush: int) -> list[bytes]:
    """The bytes of the objects the sink writes: `flush` JSON lines each."""
    return [
        b"".join(orjson.dumps(document(i, size)) + b"\n" for i in range(lo, min(n, lo + flush)))
        for lo in range(0, n, flush)
    ]


def run_boto3(svc: Services, bucket: str, n: int, size: int, flush: int, managed: bool, out: Any) -> None:
    s3 = s3_client(svc)
    fresh_bucket(s3, bucket)
    bodies = objects(n, size, flush)
    total = sum(len(b) for b in bodies)
    transfer = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=4)
    base = current_rss_mb()
    start = time.perf_counter()
    for k, body in enumerate(bodies):
        key = f"topics/bench/partition=0/bench+0+{k * flush:010d}.json"
        if managed:
            s3.upload_fileobj(io.BytesIO(body), bucket, key, Config=transfer)
        else:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
    elapsed = time.perf_counter() - start
    drop_bucket(s3, bucket)
    out.put((total / elapsed / 1e6, n / elapsed, peak_rss_mb(), peak_rss_mb() - base))


def run_sink(svc: Services, bucket: str, n: int, size: int, flush: int, fmt: str, out: Any) -> None:
    from connectors.s3.sink import S3SinkTask

    s3 = s3_client(svc)
    fresh_bucket(s3, bucket)
    schema = None if fmt.lower().startswith("json") else DOCUMENT
    records = [SinkRecord("bench", 0, None, None, schema, document(i, size), i) for i in range(n)]
    task, context = S3SinkTask(), BenchSinkContext(TopicPartition("bench", 0))
    task.initialize(context)  # type: ignore[arg-type]
    task.start(
        {
            "s3.bucket.name": bucket,
            "store.url": svc.s3_endpoint,
            "s3.region": svc.s3_region,
            "aws.access.key.id": svc.s3_access_key,
            "aws.secret.access.key": svc.s3_secret_key,
            "format.class": fmt,
            "flush.size": str(flush),
        }
    )
    tp = TopicPartition("bench", 0)
    base = current_rss_mb()
    start = time.perf_counter()
    for lo in range(0, n, PUT_SIZE):
        while context.paused:  # the worker polls nothing for a paused partition and puts an empty batch
            time.sleep(0.002)
            task.put([])
        task.put(records[lo : lo + PUT_SIZE])
    while task.pre_commit({tp: n}).get(tp) != n:
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    task.stop()
    total = sum(item["Size"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", ()))
    drop_bucket(s3, bucket)
    out.put((total / elapsed / 1e6, n / elapsed, peak_rss_mb(), peak_rss_mb() - base))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--flush", type=int, default=50_000, help="flush.size: records per object")
    ap.add_argument(
        "--format",
        default="json",
        help="format.class of the sink; the limit uploads JSON lines (Avro and Parquet objects are smaller)",
    )
    ap.add_argument("--rounds", type=int, default=2, help="each phase runs this often; the best run counts")
    args = ap.parse_args()
    svc = services()
    n, size, flush = args.records, args.size, args.flush
    if n % flush:
        raise SystemExit("--records must be a multiple of --flush (every object is then committed)")
    tag = f"bench-s3-{uuid.uuid4().hex[:8]}"
    runs: dict[str, list[tuple[float, float, float, float]]] = {"put": [], "managed": [], "sink": []}
    for r in range(args.rounds):  # interleaved, so drifts in machine load hit every phase alike
        runs["put"].append(in_process(run_boto3, svc, f"{tag}-put-{r}", n, size, flush, False))
        runs["managed"].append(in_process(run_boto3, svc, f"{tag}-managed-{r}", n, size, flush, True))
        runs["sink"].append(in_process(run_sink, svc, f"{tag}-sink-{r}", n, size, flush, args.format))
    best = {k: max(runs[k]) for k in runs}
    limit = max(best["put"][0], best["managed"][0])
    print(f"records: {n} of ~{size} bytes, {flush} per object, format {args.format}, best of {args.rounds} rounds")
    print("peak RSS includes the prebuilt input; 'own' is the growth over it during the timed phase")
    labels = {
        "put": "limit  boto3 put_object    ",
        "managed": "limit  boto3 upload_fileobj",
        "sink": "sink   put/pre_commit      ",
    }
    for key, label in labels.items():
        mb, rps, rss, own = best[key]
        print(f"{label}  {mb:7.1f} MB/s {rps:9.0f} records/s   peak RSS {rss:5.0f} MB (own {own:4.0f} MB)")
    print(f"ratio  sink / best limit     {best['sink'][0] / limit:7.1%}   (goal >= 70%, MB/s of JSON objects)")
    records_limit = max(best["put"][1], best["managed"][1])
    print(f"ratio  records/s             {best['sink'][1] / records_limit:7.1%}   (what to read for Avro and Parquet)")


if __name__ == "__main__":
    main()
