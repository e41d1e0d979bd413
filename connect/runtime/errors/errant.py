"""The errant-record reporter a task gets from its context (Kafka Connect's KIP-610, for sources too)."""

from __future__ import annotations

from collections.abc import Callable

from connect.data import ConnectRecord, RecordPosition
from connect.runtime.errors.context import ErrorContext, RawMessage, Stage
from connect.runtime.errors.operator import RetryWithToleranceOperator


class ErrantReporter:
    """Hands one record the task rejected to the error handling: metrics, log, dead-letter topic.

    A sink task may give a record's position instead of the record; `reread` reads it again from Kafka.
    Raises ToleranceExceeded under `errors.tolerance=none`, so the task fails with the reason.
    """

    def __init__(
        self,
        operator: RetryWithToleranceOperator,
        stage: Stage,
        executing_class: str,
        reread: Callable[[RecordPosition], RawMessage] | None = None,
    ) -> None:
        self._operator = operator
        self._stage = stage
        self._class = executing_class
        self._reread = reread

    def report(self, record: ConnectRecord | RecordPosition, error: BaseException) -> None:
        if isinstance(record, RecordPosition):
            if self._reread is None:
                raise TypeError(f"a position ({record}) can only be reported by a sink task")
            consumed = self._reread(record)
            self._operator.failed(ErrorContext(self._stage, self._class, error, consumed=consumed))
        else:
            self._operator.failed(ErrorContext(self._stage, self._class, error, record=record))
