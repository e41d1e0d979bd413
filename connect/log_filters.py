"""Logging filters for chatty client libraries: repeated lines held back, per-request lines moved to DEBUG."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

_VARYING = re.compile(r"\d+")  # timings, counters and ids that differ between otherwise identical lines


class RateLimitFilter(logging.Filter):
    """Passes the first record of a kind per `window_s`; a later one says how many were held back.

    A kind is the level and the text with its numbers blanked (`kind_of` picks the text), so
    "after 3ms" and "after 5ms" are the same line.
    """

    def __init__(
        self,
        window_s: float = 30.0,
        kind_of: Callable[[logging.LogRecord], str] = logging.LogRecord.getMessage,
        max_kinds: int = 1024,
    ) -> None:
        super().__init__()
        self._window = window_s
        self._kind_of = kind_of
        self._max_kinds = max_kinds
        self._seen: dict[tuple[int, str], tuple[float, int]] = {}  # kind → (window start, lines held back)
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.levelno, _VARYING.sub("#", self._kind_of(record)))
        now = time.monotonic()
        with self._lock:
            started, held = self._seen.get(kind, (0.0, -1))
            if held >= 0 and now - started < self._window:
                self._seen[kind] = (started, held + 1)
                return False
            if len(self._seen) >= self._max_kinds:
                self._seen.clear()
            self._seen[kind] = (now, 0)
        if held > 0:
            record.msg = f"{record.getMessage()} ({held} similar line(s) held back in the last {self._window:.0f} s)"
            record.args = None
        return True


class DemoteToDebug(logging.Filter):
    """Turns INFO records into DEBUG ones (kept only when the logger is enabled for DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
