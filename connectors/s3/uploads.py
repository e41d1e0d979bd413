"""Uploads: objects streamed to S3 part by part on a few threads, with every request retried until it succeeds.

An `ObjectUpload` takes a file's bytes as they are written. Each time it holds a part's worth, the part
goes to the `Uploader` (a multipart upload is started with the first one), so an open file keeps at most
one part in memory. When the file is committed its last bytes are sealed: `finisher()` returns the
request that makes the object visible (completing the multipart upload, or one PUT for an object smaller
than a part); the caller decides when to run it, since objects must appear in commit order.

A transient failure (store unreachable, 5xx, throttling) is retried with backoff for as long as it
lasts; meanwhile `Uploader.stalled` says why, so the sink can refuse new records. A fatal failure
(no bucket, access denied) is kept in `Uploader.fatal` and fails the task.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from connectors.s3.client import FatalS3Error, S3Client, TransientS3Error

log = logging.getLogger(__name__)
T = TypeVar("T")
_MAX_BACKOFF_S = 10.0


class Abandoned(Exception):
    """The upload's partition was closed (or the task stopped) before the request succeeded."""


class Uploader:
    """Runs S3 requests on a thread pool; accounts the bytes they hold, retries what fails transiently."""

    def __init__(self, client: S3Client, *, threads: int, backoff_ms: int) -> None:
        self.client = client
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="s3-upload")
        self._backoff = backoff_ms / 1000
        self._lock = threading.Lock()
        self._held = 0  # bytes of parts and sealed files not yet in S3
        self._failing = 0  # requests currently between a transient failure and their retry
        self._abandoned: set[object] = set()  # owners (one token per partition writer) whose requests must stop
        self._closed = threading.Event()
        self.last_error: str | None = None
        self.fatal: FatalS3Error | None = None

    @property
    def held_bytes(self) -> int:
        return self._held

    @property
    def stalled(self) -> str | None:
        """Why requests are failing right now (None while they succeed)."""
        return self.last_error if self._failing else None

    def hold(self, size: int) -> None:
        with self._lock:
            self._held += size

    def release(self, size: int) -> None:
        with self._lock:
            self._held -= size

    def submit(self, fn: Callable[[], T], size: int = 0) -> Future[T]:
        """Run `fn` on the pool; `size` bytes count as held until it ends."""
        self.hold(size)

        def run() -> T:
            try:
                return fn()
            finally:
                self.release(size)

        future = self._pool.submit(run)
        future.add_done_callback(_log_unexpected)
        return future

    def call(self, owner: object, what: str, fn: Callable[[], T]) -> T:
        """`fn()`, retried with backoff while it fails transiently; FatalS3Error is kept and raised."""
        attempt = 0
        try:
            while True:
                if self._closed.is_set() or owner in self._abandoned:
                    raise Abandoned(what)
                try:
                    return fn()
                except TransientS3Error as exc:
                    attempt += 1
                    self._note_failure(exc, attempt == 1)
                    ceiling = min(self._backoff * 2 ** (attempt - 1), _MAX_BACKOFF_S)
                    self._closed.wait(ceiling / 2 + random.random() * ceiling / 2)
                except FatalS3Error as exc:
                    self.fatal = self.fatal or exc
                    raise
        finally:
            if attempt:
                with self._lock:
                    self._failing -= 1

    def _note_failure(self, exc: TransientS3Error, first: bool) -> None:
        with self._lock:
            if first:
                self._failing += 1
            self.last_error = str(exc)
        log.warning("%s; retrying", exc)

    def abandon(self, owner: object) -> None:
        """Stop retrying the requests of `owner`; they end with Abandoned."""
        self._abandoned.add(owner)

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _log_unexpected(future: Future[Any]) -> None:
    exc = None if future.cancelled() else future.exception()
    if exc is not None and not isinstance(exc, (Abandoned, FatalS3Error)):
        log.error("S3 upload request failed unexpectedly: %r", exc)


class ObjectUpload:
    """One object being written: bytes in, parts out; made visible by its `finisher()`."""

    def __init__(self, uploader: Uploader, owner: object, key: str, metadata: dict[str, str], part_size: int) -> None:
        self.uploader = uploader
        self.owner = owner
        self.key = key
        self.metadata = metadata
        self.part_size = part_size
        self._buf = bytearray()
        self._parts: list[Future[str]] = []
        self._upload_id: str | None = None
        self._id_lock = threading.Lock()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        buf = self._buf
        buf += data
        if len(buf) >= self.part_size:
            self._cut()

    def _cut(self) -> None:
        body, self._buf = self._buf, bytearray()  # handed over as it is: no copy of a part's worth of bytes
        self._submit_part(body)

    def _submit_part(self, body: bytes | bytearray) -> None:
        number = len(self._parts) + 1
        self._parts.append(self.uploader.submit(lambda: self._upload_part(number, body), len(body)))

    def _upload_id_(self) -> str:
        with self._id_lock:  # the first part's request starts the upload; the others wait for its id
            if self._upload_id is None:
                client = self.uploader.client
                self._upload_id = self.uploader.call(
                    self.owner, f"start {self.key}", lambda: client.create_upload(self.key, self.metadata)
                )
            return self._upload_id

    def _upload_part(self, number: int, body: bytes | bytearray) -> str:
        upload_id = self._upload_id_()
        client = self.uploader.client
        return self.uploader.call(
            self.owner, f"part {number} of {self.key}", lambda: client.upload_part(self.key, upload_id, number, body)
        )

    def finisher(self) -> Callable[[], Future[None]]:
        """Seal the object (no more writes); the returned call submits the request that makes it visible."""
        body, self._buf = self._buf, bytearray()
        uploader, client, owner = self.uploader, self.uploader.client, self.owner
        if not self._parts:
            uploader.hold(len(body))  # kept until the PUT has run

            def put() -> None:
                try:
                    uploader.call(owner, f"write {self.key}", lambda: client.put(self.key, body, self.metadata))
                finally:
                    uploader.release(len(body))

            return lambda: uploader.submit(put)
        if body:
            self._submit_part(body)
        parts = list(self._parts)

        def complete() -> None:
            etags = [p.result() for p in parts]  # parts were submitted first: they run before this
            upload_id = self._upload_id_()
            uploader.call(owner, f"complete {self.key}", lambda: client.complete_upload(self.key, upload_id, etags))

        return lambda: uploader.submit(complete)

    def abort(self) -> None:
        """Best effort, in the background: give up the multipart upload if one was started (a later
        recovery aborts what this misses)."""
        if not self._parts:
            return
        client, key = self.uploader.client, self.key

        def abort() -> None:
            upload_id = self._upload_id
            if upload_id is not None:
                try:
                    client.abort_upload(key, upload_id)
                except Exception as exc:
                    log.debug("abort of %s failed (recovery will retry it): %s", key, exc)

        self.uploader.submit(abort)
