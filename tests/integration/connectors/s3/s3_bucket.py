"""A test bucket in the real S3-compatible store: created for a test, read back as objects or records, emptied
and deleted at the end; and a sink task driven as the worker drives it."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any, Self

import fastavro
import pyarrow.parquet as pq

from connect.data import SinkRecord
from connect.spi import TopicPartition
from connectors.s3.sink import S3SinkTask
from tests.fixtures.services import Services, s3_client
from tests.support.kafka import wait_until
from tests.support.sink_context import ListReporter, SinkContext


class Bucket:
    def __init__(self, services: Services, name: str) -> None:
        self.s3 = s3_client(services)
        self.name = name.replace("_", "-")

    def __enter__(self) -> Self:
        self.s3.create_bucket(Bucket=self.name)
        return self

    def __exit__(self, *exc: object) -> None:
        for upload in self.s3.list_multipart_uploads(Bucket=self.name).get("Uploads", []):
            self.s3.abort_multipart_upload(Bucket=self.name, Key=upload["Key"], UploadId=upload["UploadId"])
        for key in self.objects(folders=True):
            self.s3.delete_object(Bucket=self.name, Key=key)  # S3Proxy refuses DeleteObjects without MD5
        self.s3.delete_bucket(Bucket=self.name)

    def objects(self, prefix: str = "", folders: bool = False) -> list[str]:
        """Object keys; S3Proxy's filesystem store also lists the folders (`a/b/`), left out unless asked."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        keys = (item["Key"] for page in pages for item in page.get("Contents", ()))
        return sorted((k for k in keys if folders or not k.endswith("/")), reverse=folders)

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def records(self, key: str) -> list[Any]:
        """The records of an object, read with the standard tools of its format."""
        data = self.read(key)
        if key.endswith(".gz") and ".parquet" not in key:
            data = gzip.decompress(data)
        if key.endswith(".parquet"):
            return pq.read_table(io.BytesIO(data)).to_pylist()
        if key.endswith(".avro"):
            return list(fastavro.reader(io.BytesIO(data)))
        if ".json" in key:
            return [json.loads(line) for line in data.splitlines()]
        return data.splitlines()

    def metadata(self, key: str) -> dict[str, str]:
        return self.s3.head_object(Bucket=self.name, Key=key)["Metadata"]


def sink_props(services: Services, bucket: Bucket, **overrides: str) -> dict[str, str]:
    return {
        "s3.bucket.name": bucket.name,
        "store.url": services.s3_endpoint,
        "s3.region": services.s3_region,
        "aws.access.key.id": services.s3_access_key,
        "aws.secret.access.key": services.s3_secret_key,
        "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "flush.size": "3",
        "s3.retry.backoff.ms": "20",
        **overrides,
    }


class Driver:
    """A sink task fed as the worker feeds it: put, offering a refused batch again, then pre_commit."""

    def __init__(self, props: dict[str, str], partitions: set[TopicPartition], tolerate: bool = True) -> None:
        self.reporter = ListReporter() if tolerate else None
        self.context = SinkContext(partitions, self.reporter)
        self.task = S3SinkTask()
        self.task.initialize(self.context)  # type: ignore[arg-type]
        self.task.start(props)
        self.task.open(partitions)
        self._rewound: dict[TopicPartition, int] = {}

    def put(self, records: list[SinkRecord]) -> None:
        self.task.put(records)
        # As the worker: a partition the task rewinds (or skips) goes on from there, with the records at hand.
        for tp, offset in self.context.rewinds.items():
            if self._rewound.get(tp) != offset:
                self._rewound[tp] = offset
                again = [
                    r for r in records if TopicPartition(r.topic, r.kafka_partition) == tp and r.kafka_offset >= offset
                ]
                if again:
                    self.put(again)

    def safe(self) -> dict[TopicPartition, int]:
        return dict(self.task.pre_commit({}))

    def wait_safe(self, expected: dict[TopicPartition, int], timeout: float = 30.0) -> None:
        """Until pre_commit says `expected` (objects upload in the background)."""
        wait_until(lambda: self.safe() == expected, timeout, f"safe offsets {expected} (now {self.safe()})")

    def stop(self) -> None:
        self.task.close(self.context.assignment())
        self.task.stop()
