"""Commits of one Kafka partition, made visible in order.

A commit is the set of files a partition's writer sealed together, and the offset after their last
record. Its objects become visible (multipart uploads completed, small objects PUT) only once every
object of the commit before it is visible, so at any moment at most one commit is partly in S3: the
newest. Recovery relies on it. Parts of later commits upload meanwhile; they stay invisible until then.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

Finisher = Callable[[], Future[None]]


class Commit:
    """The objects of one commit and the offset they make safe."""

    def __init__(self, end: int, finishers: list[Finisher]) -> None:
        self.end = end
        self._finishers = finishers
        self._futures: list[Future[None]] = []
        self.started = False

    def start(self, on_done: Callable[[Commit], None]) -> None:
        self.started = True
        if not self._finishers:
            on_done(self)
            return
        self._futures = [finish() for finish in self._finishers]
        for future in self._futures:
            future.add_done_callback(lambda _f: self._one_done(on_done))

    def _one_done(self, on_done: Callable[[Commit], None]) -> None:
        if all(f.done() for f in self._futures):  # may hold for two callbacks at once: on_done is idempotent
            on_done(self)

    @property
    def done(self) -> bool:
        return self.started and all(f.done() for f in self._futures)

    def error(self) -> BaseException | None:
        for f in self._futures:
            if f.cancelled():
                return RuntimeError("upload cancelled")
            exc = f.exception()
            if exc is not None:
                return exc
        return None


class CommitSequence:
    """Commits started one after the other; `take_done()` hands back those whose objects are all in S3."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a future already done runs its callback in the adding thread
        self._commits: deque[Commit] = deque()

    def add(self, commit: Commit) -> None:
        with self._lock:
            self._commits.append(commit)
            if all(c.done for c in list(self._commits)[:-1]):
                commit.start(self._started_done)

    def _started_done(self, commit: Commit) -> None:
        with self._lock:
            if commit.error() is not None:
                return  # the failure surfaces through take_done(); nothing after it may become visible
            for c in self._commits:
                if not c.started:
                    c.start(self._started_done)
                    return
                if not c.done:
                    return

    @property
    def pending(self) -> int:
        return len(self._commits)

    def take_done(self) -> list[Commit]:
        """Commits now fully in S3, oldest first (a failed one raises its error, with those after it kept)."""
        out = []
        with self._lock:
            while self._commits and self._commits[0].done:
                error = self._commits[0].error()
                if error is not None:
                    raise error
                out.append(self._commits.popleft())
        return out
