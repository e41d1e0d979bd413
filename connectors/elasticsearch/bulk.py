"""The bulk writer: batches actions, keeps several `_bulk` requests in flight, retries per item.

`submit` appends actions to one FIFO; `max_in_flight` sender threads each take a batch (full, or
lingered `linger_ms`, or when asked to flush), send it, and retry the items that failed for a
transient reason (429, 5xx, no connection) with the outage backoff from `retry.backoff.ms`
(connect/spi/outages.py's Retries: past `max.retries`, the writer says it is `stalled`). Two writes to the
same document are never in flight at once and a later one never passes an earlier one, so a
document's writes reach Elasticsearch in Kafka order even across retries. Every action ends in
exactly one call of `on_done(action, outcome, reason)`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Any

from connect.errors import RetriableException
from connect.spi.outages import Retries
from connectors.elasticsearch.client import is_transient
from connectors.elasticsearch.convert import DELETE, UPDATE, Action

log = logging.getLogger(__name__)

MALFORMED_ERRORS = frozenset(
    (
        "mapper_parsing_exception",
        "document_parsing_exception",
        "strict_dynamic_mapping_exception",
        "illegal_argument_exception",
        "action_request_validation_exception",
    )
)


class Outcome(Enum):
    OK = "ok"  # written, or nothing to do (an older version, a delete of a missing document)
    MALFORMED = "malformed"  # the document was rejected: behavior.on.malformed.documents decides
    FATAL = "fatal"  # rejected for a reason that is not the document's (blocked or invalid index): fail the task
    RETRY = "retry"


def classify(op: str, item: dict[str, Any]) -> tuple[Outcome, str | None]:
    """What one item of a `_bulk` response means for the action that produced it."""
    status = int(item.get("status", 500))
    if status < 300:
        return Outcome.OK, None
    if status == 409 and op != UPDATE:
        return Outcome.OK, None  # external versioning: a newer version is already there
    if status == 404 and op == DELETE:
        return Outcome.OK, None  # already gone (or the index never existed)
    reason = describe(item.get("error"), status)
    if is_transient(status) or status == 409:  # an update that lost a race more than retry_on_conflict times
        return Outcome.RETRY, reason
    error = item.get("error")
    if isinstance(error, dict) and error.get("type") in MALFORMED_ERRORS:
        return Outcome.MALFORMED, reason
    return Outcome.FATAL, reason


def describe(error: Any, status: int) -> str:
    if not isinstance(error, dict):
        return f"HTTP {status}: {error}"
    text = f"{error.get('type')}: {error.get('reason')}"
    cause = error.get("caused_by")
    if isinstance(cause, dict) and cause.get("reason"):
        text += f" (caused by {cause.get('type')}: {cause.get('reason')})"
    return text


Send = Callable[[bytes], list[dict[str, Any]]]
OnDone = Callable[[Action, Outcome, "str | None"], None]


class BulkWriter:
    """Sends actions in batches from `max_in_flight` threads; see the module docstring."""

    def __init__(
        self,
        send: Send,
        on_done: OnDone,
        *,
        batch_size: int,
        linger_ms: int,
        max_in_flight: int,
        max_retries: int,
        retry_backoff_ms: int,
    ) -> None:
        self._send = send
        self._on_done = on_done
        self._batch_size = batch_size
        self._linger = linger_ms / 1000
        self._retries = Retries("bulk writes to Elasticsearch", retry_backoff_ms, stall_after=max_retries + 1)
        self._pending: deque[Action] = deque()
        self._oldest_at = 0.0  # when the oldest pending action arrived (approximately)
        self._busy: dict[tuple[str, str], int] = {}  # documents with a write in flight → how many
        self._in_flight = 0  # actions taken by senders and not yet done
        self._flush_requested = False
        self.fatal: BaseException | None = None  # a request-level error no retry can fix
        self._closed = False
        lock = threading.RLock()
        self._cond = threading.Condition(lock)  # state changes, for the task waiting in wait_idle
        # Senders wait apart and are woken one at a time: waking every sender on each submit (one per put, so
        # per consumed batch) cost more than the request itself at low rates (GIL handoffs on a busy box).
        self._work = threading.Condition(lock)
        self._wakeup = threading.Event()  # interrupts backoff sleeps on close
        self._threads = [
            threading.Thread(target=self._run, name=f"es-bulk-{i}", daemon=True) for i in range(max_in_flight)
        ]
        for t in self._threads:
            t.start()

    # -- the task's side -------------------------------------------------------------------
    def submit(self, actions: list[Action]) -> None:
        if not actions:
            return
        with self._cond:
            if not self._pending:
                self._oldest_at = time.monotonic()
            self._pending.extend(actions)
            self._work.notify()

    @property
    def buffered(self) -> int:
        """Actions submitted and not done yet (pending or in flight)."""
        return len(self._pending) + self._in_flight

    @property
    def stalled(self) -> bool:
        """True while some batch has used up its retries (Elasticsearch down or overloaded)."""
        return self._retries.stalled is not None

    @property
    def last_error(self) -> str | None:
        return self._retries.last_error

    def flush_now(self) -> None:
        """Send what is pending without waiting for batches to fill or linger to pass."""
        with self._cond:
            if self._pending:
                self._flush_requested = True
                self._work.notify()

    def wait_idle(self, timeout: float) -> bool:
        """Send everything and wait until nothing is pending or in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._in_flight:
                if self.fatal is not None:
                    return False
                self._flush_requested = True
                self._work.notify()
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
        return self.fatal is None

    def discard(self, drop: Callable[[Action], bool]) -> int:
        """Remove pending (not yet sent) actions for which `drop` is true; they get no on_done. How many."""
        with self._cond:
            before = len(self._pending)
            self._pending = deque(a for a in self._pending if not drop(a))
            return before - len(self._pending)

    def close(self) -> None:
        """Stop the senders; actions still pending or in retry are abandoned (their offsets stay uncommitted)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            self._work.notify_all()
        self._wakeup.set()
        for t in self._threads:
            t.join(timeout=5)

    # -- the senders' side -----------------------------------------------------------------
    def _run(self) -> None:
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            try:
                self._write(batch)
            except BaseException as exc:  # never let a sender die silently
                log.exception("bulk sender failed")
                self.fatal = exc
            finally:
                with self._cond:
                    self._in_flight -= len(batch)
                    for a in batch:
                        key = a.doc_key
                        n = self._busy[key] - 1
                        if n:
                            self._busy[key] = n
                        else:
                            del self._busy[key]
                    if self._pending:  # what waited for these documents, or for a free sender
                        self._work.notify()
                    self._cond.notify_all()

    def _take_batch(self) -> list[Action] | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._pending:
                    ready = (
                        len(self._pending) >= self._batch_size
                        or self._flush_requested
                        or time.monotonic() - self._oldest_at >= self._linger
                    )
                    if ready:
                        batch = self._select()
                        if batch:
                            if not self._pending:
                                self._flush_requested = False
                            else:
                                self._oldest_at = time.monotonic()
                            self._in_flight += len(batch)
                            if self._pending:  # more than one batch's worth: the next sender takes it
                                self._work.notify()
                            return batch
                        self._work.wait()  # every pending document is busy: wait for a batch to finish
                        continue
                    self._work.wait(self._linger - (time.monotonic() - self._oldest_at))
                else:
                    self._work.wait()

    def _select(self) -> list[Action]:
        """Up to batch_size pending actions, skipping (with all their later writes) documents in flight."""
        pending, busy, size = self._pending, self._busy, self._batch_size
        batch: list[Action] = []
        if not busy:
            while pending and len(batch) < size:
                batch.append(pending.popleft())
        else:
            held: list[Action] = []
            blocked: set[tuple[str, str]] = set()
            while pending and len(batch) < size:
                a = pending.popleft()
                key = a.doc_key
                if key in busy or key in blocked:
                    blocked.add(key)
                    held.append(a)
                else:
                    batch.append(a)
            pending.extendleft(reversed(held))
        for a in batch:
            key = a.doc_key
            busy[key] = busy.get(key, 0) + 1
        return batch

    def _write(self, batch: list[Action]) -> None:
        remaining = batch
        with self._retries.attempts() as attempt:
            while remaining:
                retry, reason = self._attempt(remaining)
                if not retry:
                    return
                delay = attempt.failed(reason or "items to retry")
                log.debug("retrying %d of %d actions in %.2fs: %s", len(retry), len(batch), delay, reason)
                if self._wakeup.wait(delay) or self._closed:
                    return
                remaining = retry

    def _attempt(self, actions: list[Action]) -> tuple[list[Action], str | None]:
        """Send once; report final outcomes; return the actions to retry and why."""
        try:
            items = self._send(b"".join(a.payload for a in actions))
        except RetriableException as exc:
            return actions, str(exc)
        except Exception as exc:
            self.fatal = exc
            return [], None
        if len(items) != len(actions):
            self.fatal = RuntimeError(f"bulk response has {len(items)} items for {len(actions)} actions")
            return [], None
        retry: list[Action] = []
        retry_keys: set[tuple[str, str]] = set()
        reason = None
        for action, item in zip(actions, items, strict=True):
            outcome, why = classify(action.op, next(iter(item.values())))
            if outcome is Outcome.RETRY:
                reason = why
            elif action.doc_key in retry_keys:
                outcome = Outcome.RETRY  # an earlier write to this document is retried: this one follows it
            if outcome is Outcome.RETRY:
                retry.append(action)
                retry_keys.add(action.doc_key)
            else:
                self._on_done(action, outcome, why)
        return retry, reason
