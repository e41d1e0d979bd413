"""RetryWithToleranceOperator: retry transient failures, then fail the task or skip the record.

Every stage that can fail on a record (conversion, transformation, the sink's put) runs
through `execute`. With `errors.tolerance=none` the first non-retriable failure raises
ToleranceExceeded, which fails the task with a readable status; with `all` the failure is
reported (log, dead-letter topic) and the record is skipped.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from connect.errors import ConnectException, RetriableException
from connect.runtime.closing import Closeable, close_all
from connect.runtime.errors.config import ErrorConfig
from connect.runtime.errors.context import ErrorContext, RawMessage, Stage

T = TypeVar("T")
SKIP: Any = object()
"""Returned by `execute` when the record was tolerated and must be skipped."""


class Reporter(Protocol):
    def report(self, ctx: ErrorContext) -> None: ...


class ToleranceExceeded(ConnectException):
    pass


class RetryWithToleranceOperator:
    def __init__(
        self,
        config: ErrorConfig,
        reporters: Sequence[Reporter] = (),
        on_error: Callable[[ErrorContext, bool], None] | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.reporters = list(reporters)
        self._on_error = on_error  # metrics hook: (context, tolerated)
        self._stop = stop_event or threading.Event()

    def close(self) -> None:
        """Close the reporters that hold clients (the dead-letter producer); called when the task stops."""
        close_all("error reporters", *(r for r in self.reporters if isinstance(r, Closeable)))

    def backoff(self, attempt: int) -> float:
        """Seconds before retry `attempt` (1-based): exponential from 300 ms, capped, with jitter."""
        ceiling = min(self.config.retry_delay_max_ms, 300 * 2 ** min(attempt - 1, 20))
        return (ceiling / 2 + random.random() * ceiling / 2) / 1000

    def retry(self, stage: Stage, fn: Callable[[], T], first_error: RetriableException | None = None) -> T:
        """Call fn, retrying RetriableException for up to errors.retry.timeout ms (-1: forever).

        `first_error`: fn already failed once with it (a hot path's unguarded call); go on from there.
        """
        timeout = self.config.retry_timeout_ms
        deadline = time.monotonic() + timeout / 1000 if timeout >= 0 else float("inf")
        attempt = 0
        error = first_error
        while True:
            if error is None:
                try:
                    return fn()
                except RetriableException as exc:
                    error = exc
            attempt += 1
            delay = self.backoff(attempt)
            if timeout == 0 or time.monotonic() + delay > deadline or self._stop.is_set():
                raise error
            self._stop.wait(delay)
            error = None

    def execute(
        self,
        stage: Stage,
        executing_class: str,
        fn: Callable[[], T],
        *,
        consumed: RawMessage | None = None,
        record: Any = None,
    ) -> T:
        """fn's result, or SKIP when it failed and the failure is tolerated."""
        try:
            return self.retry(stage, fn)
        except Exception as exc:
            return self.failed(ErrorContext(stage, executing_class, exc, consumed, record))

    def recover(
        self,
        stage: Stage,
        executing_class: str,
        fn: Callable[[], T],
        error: Exception,
        *,
        consumed: RawMessage | None = None,
        record: Any = None,
    ) -> T:
        """As execute(), once fn has already raised `error` on a first, unguarded call (the hot paths call
        fn directly and come here only on failure): a retriable error is retried, any other reported."""
        try:
            if not isinstance(error, RetriableException):
                raise error
            return self.retry(stage, fn, error)
        except Exception as exc:
            return self.failed(ErrorContext(stage, executing_class, exc, consumed, record))

    def failed(self, ctx: ErrorContext) -> Any:
        """Report a failure; return SKIP when tolerated, raise ToleranceExceeded otherwise."""
        if self._on_error is not None:
            self._on_error(ctx, self.config.tolerance_all)
        # As Kafka Connect does: reporters see every failure, tolerated or not.
        for r in self.reporters:
            r.report(ctx)
        if not self.config.tolerance_all:
            where = f", record {ctx.where}" if ctx.where is not None else ""
            raise ToleranceExceeded(
                f"Tolerance exceeded in error handler: stage {ctx.stage}, class "
                f"{ctx.executing_class}{where}: {ctx.error_class}: {ctx.error}"
            ) from ctx.error
        return SKIP
