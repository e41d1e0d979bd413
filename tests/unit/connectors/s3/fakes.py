"""An in-memory S3 for the sink's unit tests: objects appear when a PUT or a multipart completion succeeds;
failures can be injected and completions held back, to watch the order objects become visible in."""

from __future__ import annotations

import threading
from typing import Any

from connect.data import SinkRecord
from connect.spi import TopicPartition
from connectors.s3.client import FatalS3Error, TransientS3Error
from connectors.s3.config import S3SinkConfig
from connectors.s3.sink import S3SinkTask
from tests.support.sink_context import ListReporter, SinkContext


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.visible: list[str] = []  # keys in the order they became visible
        self.uploads: dict[str, tuple[str, dict[str, str], dict[int, bytes]]] = {}
        self.transient = 0  # the next requests failing transiently
        self.fatal: str | None = None  # every request failing with this, when set
        self.hold = threading.Event()
        self.hold.set()  # cleared: PUTs, parts and completions wait
        self.bucket_exists = True
        self._lock = threading.Lock()
        self._ids = 0

    def _request(self) -> None:
        with self._lock:
            if self.fatal:
                raise FatalS3Error(self.fatal)
            if self.transient:
                self.transient -= 1
                raise TransientS3Error("store unreachable (injected)")

    def _appear(self, key: str, body: bytes, metadata: dict[str, str]) -> None:
        assert self.hold.wait(30)
        self._request()
        with self._lock:
            self.objects[key] = (bytes(body), dict(metadata))
            self.visible.append(key)

    # -- S3Client's calls ------------------------------------------------------------------
    def check_bucket(self) -> None:
        self._request()
        if not self.bucket_exists:
            raise FatalS3Error("the bucket does not exist (s3.bucket.name)", "s3.bucket.name")

    def put(self, key: str, body: bytes, metadata: dict[str, str]) -> None:
        self._appear(key, body, metadata)

    def create_upload(self, key: str, metadata: dict[str, str]) -> str:
        self._request()
        with self._lock:
            self._ids += 1
            upload_id = f"u{self._ids}"
            self.uploads[upload_id] = (key, dict(metadata), {})
        return upload_id

    def upload_part(self, key: str, upload_id: str, number: int, body: bytes) -> str:
        assert self.hold.wait(30)
        self._request()
        self.uploads[upload_id][2][number] = bytes(body)
        return f"etag-{number}"

    def complete_upload(self, key: str, upload_id: str, etags: list[str]) -> None:
        _key, metadata, parts = self.uploads[upload_id]
        assert sorted(parts) == list(range(1, len(etags) + 1))
        self._appear(key, b"".join(parts[n] for n in sorted(parts)), metadata)
        del self.uploads[upload_id]

    def abort_upload(self, key: str, upload_id: str) -> None:
        self.uploads.pop(upload_id, None)

    def list_keys(self, prefix: str) -> Any:
        self._request()
        return iter(sorted(k for k in self.objects if k.startswith(prefix)))

    def list_uploads(self, prefix: str) -> list[tuple[str, str]]:
        return [(key, uid) for uid, (key, _m, _p) in self.uploads.items() if key.startswith(prefix)]

    def metadata(self, key: str) -> dict[str, str]:
        self._request()
        return self.objects[key][1]

    def delete(self, keys: list[str]) -> None:
        self._request()
        for key in keys:
            self.objects.pop(key, None)

    def close(self) -> None:
        pass

    def lines(self, key: str) -> list[bytes]:
        return self.objects[key][0].splitlines()


BASE = {"s3.bucket.name": "bucket", "format.class": "JsonFormat", "flush.size": "3", "s3.retry.backoff.ms": "1"}


def started(fake: FakeS3, tps: set[TopicPartition], **props: str) -> tuple[S3SinkTask, SinkContext]:
    config = S3SinkConfig.parse({**BASE, **props})
    task = S3SinkTask(client=fake)  # type: ignore[arg-type]
    context = SinkContext(tps, ListReporter())
    task.initialize(context)  # type: ignore[arg-type]
    task.start({**BASE, **props})
    task.open(tps)
    assert task.config == config
    return task, context


def rec(tp: TopicPartition, offset: int, value: Any = ..., ts: int | None = None, schema: Any = None) -> SinkRecord:
    """A record at `offset`; its value `{"n": offset}` unless given."""
    return SinkRecord(tp.topic, tp.partition, None, None, schema, {"n": offset} if value is ... else value, offset, ts)
