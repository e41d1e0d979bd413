"""The errant-record reporter a task gets from its context (Kafka Connect's KIP-610, for sources too)."""

from __future__ import annotations

from connect.data import ConnectRecord
from connect.runtime.errors.context import ErrorContext, Stage
from connect.runtime.errors.operator import RetryWithToleranceOperator


class ErrantReporter:
    """Hands one record the task rejected to the error handling: metrics, log, dead-letter topic.

    Raises ToleranceExceeded under `errors.tolerance=none`, so the task fails with the reason.
    """

    def __init__(self, operator: RetryWithToleranceOperator, stage: Stage, executing_class: str) -> None:
        self._operator = operator
        self._stage = stage
        self._class = executing_class

    def report(self, record: ConnectRecord, error: BaseException) -> None:
        self._operator.failed(ErrorContext(self._stage, self._class, error, record=record))
