"""Uploads: objects streamed to S3 part by part on a few threads, with every request retried until it succeeds.

An `ObjectUpload` takes a file's bytes as they are written. Each time it holds a part's worth, the part
goes to the `Uploader` (a multipart upload is started with the first one), so an open file keeps at most
one part in memory. When the file is committed its last bytes are sealed: `finisher()` returns the
request that makes the object visible (completing the multipart upload, or one PUT for an object smaller
than a part); the caller decides when to run it, since objects must appear in commit order.

A transient failure (store unreachable, 5xx, throttling) is retried with the outage backoff (from
`retry.backoff.ms`) for as long as it lasts; meanwhile `Uploader.stalled` says why, so the sink can refuse
new records. A fatal failure (no bucket, access denied) is kept in `Uploader.fatal` and fails the task.
The bytes requests hold are counted per owner (one per partition writer), for the sink's backlog.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from connect.spi.outages import Retries
from connectors.s3.client import FatalS3Error, S3Client, TransientS3Error

log = logging.getLogger(__name__)
T = TypeVar("T")


class Abandoned(Exception):
    """The upload's partition was closed (or the task stopped) before the request succeeded."""


class Uploader:
    """Runs S3 requests on a thread pool; accounts the bytes they hold, retries what fails transiently."""

    def __init__(self, client: S3Client, *, threads: int, backoff_ms: int) -> None:
        self.client = client
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="s3-upload")
        self._retries = Retries("requests to S3", backoff_ms)  # stalled from a request's first failure
        self._lock = threading.Lock()
        self._held: Counter[object] = Counter()  # owner -> bytes of its parts and sealed files not yet in S3
        self._abandoned: set[object] = set()  # owners (one token per partition writer) whose requests must stop
        self._closed = threading.Event()
        self.fatal: FatalS3Error | None = None

    def held_by(self, owner: object) -> int:
        return self._held[owner]

    @property
    def stalled(self) -> str | None:
        """Why requests are failing right now (None while they succeed)."""
        return self._retries.stalled

    def hold(self, owner: object, size: int) -> None:
        with self._lock:
            self._held[owner] += size

    def release(self, owner: object, size: int) -> None:
        with self._lock:
            held = self._held[owner] - size
            if held:
                self._held[owner] = held
            else:
                del self._held[owner]

    def submit(self, fn: Callable[[], T], owner: object = None, size: int = 0) -> Future[T]:
        """Run `fn` on the pool; `size` bytes count as held by `owner` until it ends."""
        self.hold(owner, size)

        def run() -> T:
            try:
                return fn()
            finally:
                self.release(owner, size)

        future = self._pool.submit(run)
        future.add_done_callback(_log_unexpected)
        return future

    def call(self, owner: object, what: str, fn: Callable[[], T]) -> T:
        """`fn()`, retried with backoff while it fails transiently; FatalS3Error is kept and raised."""
        with self._retries.attempts() as attempt:
            while True:
                if self._closed.is_set() or owner in self._abandoned:
                    raise Abandoned(what)
                try:
                    return fn()
                except TransientS3Error as exc:
                    delay = attempt.failed(str(exc))
                    log.warning("%s; retrying", exc)
                    self._closed.wait(delay)
                except FatalS3Error as exc:
                    self.fatal = self.fatal or exc
                    raise

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
        self._parts.append(self.uploader.submit(lambda: self._upload_part(number, body), self.owner, len(body)))

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
            uploader.hold(owner, len(body))  # kept until the PUT has run

            def put() -> None:
                try:
                    uploader.call(owner, f"write {self.key}", lambda: client.put(self.key, body, self.metadata))
                finally:
                    uploader.release(owner, len(body))

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
