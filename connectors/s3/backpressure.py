"""Backpressure by pausing partitions: a task whose writes back up stops consuming instead of buffering.

Generic over what backs up (here: bytes handed to S3 and not yet stored), so other sinks can use it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from connect.spi import SinkTaskContext

log = logging.getLogger(__name__)


class PauseGate:
    """Pauses every assigned partition once `backlog()` exceeds `high`; resumes them at `high // 2` or less."""

    def __init__(self, backlog: Callable[[], int], high: int, what: str) -> None:
        self._backlog = backlog
        self.high = high
        self.what = what
        self.paused = False

    def update(self, context: SinkTaskContext | None) -> None:
        if context is None:
            return
        backlog = self._backlog()
        if not self.paused and backlog > self.high:
            context.pause(*context.assignment())
            self.paused = True
            log.info("paused consumption: %d %s waiting", backlog, self.what)
        elif self.paused and backlog <= self.high // 2:
            context.resume(*context.assignment())
            self.paused = False
            log.info("resumed consumption")

    def opened(self, context: SinkTaskContext | None, partitions: list) -> None:
        """Partitions assigned while paused wait with the others."""
        if self.paused and context is not None and partitions:
            context.pause(*partitions)
