"""Error handling: retries with tolerance, and reporters (log, dead-letter topic)."""

from connect.runtime.errors.config import ERRORS_CONFIG, ErrorConfig
from connect.runtime.errors.context import ErrorContext, Stage
from connect.runtime.errors.dead_letter import DeadLetterQueueReporter
from connect.runtime.errors.log_reporter import LogReporter
from connect.runtime.errors.operator import RetryWithToleranceOperator, ToleranceExceeded

__all__ = [
    "ERRORS_CONFIG",
    "DeadLetterQueueReporter",
    "ErrorConfig",
    "ErrorContext",
    "LogReporter",
    "RetryWithToleranceOperator",
    "Stage",
    "ToleranceExceeded",
]
