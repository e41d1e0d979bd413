"""Error handling: retries with tolerance, and reporters (log, dead-letter topic)."""

from connect.runtime.errors.context import ErrorContext, Stage
from connect.runtime.errors.dead_letter import DeadLetterQueueReporter
from connect.runtime.errors.log_reporter import LogReporter
from connect.runtime.errors.operator import ErrorConfig, RetryWithToleranceOperator, ToleranceExceeded

__all__ = [
    "DeadLetterQueueReporter",
    "ErrorConfig",
    "ErrorContext",
    "LogReporter",
    "RetryWithToleranceOperator",
    "Stage",
    "ToleranceExceeded",
]
