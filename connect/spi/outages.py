"""The outage contract between connectors and the runtime, and the one backoff rule both use.

A system that is down is an outage, not a bad record. A connector whose system (database, search
cluster, cache, object store) cannot be reached, or refuses work for now (restarting, read-only after
a failover, overloaded: 429/503), raises `connect.errors.RetriableException` from `SourceTask.poll`,
`SinkTask.put` or `SinkTask.pre_commit`, with a message saying what it waits for. It does not sleep,
count attempts or give up: the runtime owns the waiting. For as long as the outage lasts, the runtime

- calls the same method again after `backoff(attempt)`: 0.25 s doubling up to 5 s, jittered, with no
  limit on attempts (an outage never fails a task);
- for a sink, pauses consumption of every partition, keeps the refused batch and offers that same batch
  again, committing nothing past it; for a source, keeps serving the producer and committing what
  Kafka acknowledged, then polls again (the task reconnects inside `poll`);
- says so: the task stays RUNNING (as Kafka Connect users expect) with a `trace` naming the reason and
  since when, `GET /health` lists the connector under `degraded`, and Prometheus has
  `connect_task_outages_total`, `connect_task_outage_retries_total`, `connect_task_waiting` and
  `connect_task_seconds_since_progress`.

Converters follow the same rule: one whose registry is down (the Avro converter's Schema Registry)
raises RetriableException, and the runtime waits it out instead of treating the record as bad. A
source converts the record again after each backoff; a sink delivers what it converted before it,
pauses consumption and reads the rest again after each backoff, committing nothing past it.

Any other exception fails the task: only errors that retrying cannot fix (refused credentials, a
missing permission, a broken config) do. A connector with a retry loop of its own below this line
(per-item retries of a bulk request already in flight, a transaction that hit a deadlock) counts its
attempts with `Retries`, which waits with the same `backoff` from the connector's `retry.backoff.ms`:
a loop in the task's thread gives up after `max.retries` and raises RetriableException; a loop in a
background writer retries until it succeeds and says meanwhile that it is `stalled`, so the task
refuses new records (RetriableException) instead of buffering them.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

BACKOFF_INITIAL_S = 0.25
BACKOFF_MAX_S = 5.0


def backoff(attempt: int, initial_s: float = BACKOFF_INITIAL_S, max_s: float = BACKOFF_MAX_S) -> float:
    """Seconds to wait before retry `attempt` (1-based): initial * 2^(attempt-1), capped, jittered in its upper half.

    The jitter keeps tasks that lost the same system from retrying in step; the cap bounds how long a
    task takes to notice that the system is back.
    """
    ceiling = min(max_s, initial_s * 2 ** min(max(attempt, 1) - 1, 30))
    return ceiling / 2 + random.random() * ceiling / 2


class Retries:
    """Attempts at work already in hand (a request, a batch), counted per piece of work, for the retry loops
    below the outage rule; thread-safe. A piece of work counts as stalled from its `stall_after`-th failed
    attempt until it succeeds or is given up, and `stalled` says why while any does.

        with retries.attempts() as attempt:
            while True:
                try:
                    return send(batch)
                except TransientError as exc:
                    if attempt.count >= max_retries:
                        raise RetriableException(str(exc)) from exc
                    stop.wait(attempt.failed(str(exc)))
    """

    def __init__(self, what: str, initial_ms: int, stall_after: int = 1) -> None:
        self.what = what  # what is retried, for the log ("bulk writes to Elasticsearch")
        self._initial = initial_ms / 1000
        self._stall_after = max(1, stall_after)
        self._lock = threading.Lock()
        self._stalled = 0
        self.last_error: str | None = None

    @property
    def stalled(self) -> str | None:
        """The latest failure while some work has failed `stall_after` times and not yet succeeded; else None."""
        return self.last_error if self._stalled else None

    @contextmanager
    def attempts(self) -> Iterator[Attempt]:
        """The attempts at one piece of work; leaving the block ends them (succeeded, or given up)."""
        attempt = Attempt(self)
        try:
            yield attempt
        finally:
            attempt.end()

    def _stall(self, reason: str) -> None:
        with self._lock:
            self._stalled += 1
        log.warning("%s still failing after %d attempt(s) (%s); retrying", self.what, self._stall_after, reason)

    def _unstall(self) -> None:
        with self._lock:
            self._stalled -= 1
            back = self._stalled == 0
        if back:
            log.info("%s succeed again", self.what)


class Attempt:
    """The failed attempts at one piece of work (see Retries)."""

    __slots__ = ("_retries", "count", "stalled")

    def __init__(self, retries: Retries) -> None:
        self._retries = retries
        self.count = 0  # failed attempts so far
        self.stalled = False

    def failed(self, reason: str) -> float:
        """One more attempt failed for a reason that may pass: seconds to wait before the next."""
        retries = self._retries
        self.count += 1
        retries.last_error = reason
        if not self.stalled and self.count >= retries._stall_after:
            self.stalled = True
            retries._stall(reason)
        return backoff(self.count, initial_s=retries._initial)

    def end(self) -> None:
        if self.stalled:
            self.stalled = False
            self._retries._unstall()
