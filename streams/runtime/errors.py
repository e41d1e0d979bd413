"""What happens to a record that cannot be processed: fail the application (errors.tolerance=none), or
skip it, telling the error hook and writing it to the dead-letter topic (errors.tolerance=all)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.config import StreamsConfig
from streams.errors import ProcessingError
from streams.runtime.collector import RecordCollector

log = logging.getLogger(__name__)

# KIP-1034's header names, so tools written for Kafka Streams' dead-letter records read ours.
EXCEPTION = "__streams.errors.exception"
MESSAGE = "__streams.errors.message"
STACKTRACE = "__streams.errors.stacktrace"
TOPIC = "__streams.errors.topic"
PARTITION = "__streams.errors.partition"
OFFSET = "__streams.errors.offset"


@dataclass(frozen=True)
class RejectedRecord:
    """What the error hook receives."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    error: BaseException


ErrorHook = Callable[[RejectedRecord], Any]


class ErrorHandler:
    def __init__(self, config: StreamsConfig, collector: RecordCollector, hook: ErrorHook | None) -> None:
        self.tolerate = config.errors_tolerance == "all"
        self.dlq = config.dlq_topic
        self.collector = collector
        self.hook = hook
        self.rejected = 0

    def handle(self, msg: Any, exc: BaseException) -> None:
        """Raises ProcessingError unless errors are tolerated."""
        rejected = RejectedRecord(msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value(), exc)
        if self.hook is not None:
            self.hook(rejected)
        if not self.tolerate:
            raise ProcessingError(
                f"{type(exc).__name__}: {exc}",
                topic=rejected.topic,
                partition=rejected.partition,
                offset=rejected.offset,
            ) from exc
        self.rejected += 1
        log.warning(
            "skipping record %s-%d@%d: %s: %s",
            rejected.topic,
            rejected.partition,
            rejected.offset,
            type(exc).__name__,
            exc,
        )
        if self.dlq:
            headers = [
                (EXCEPTION, type(exc).__name__.encode()),
                (MESSAGE, str(exc).encode()),
                (STACKTRACE, "".join(traceback.format_exception(exc)).encode()),
                (TOPIC, rejected.topic.encode()),
                (PARTITION, str(rejected.partition).encode()),
                (OFFSET, str(rejected.offset).encode()),
            ]
            self.collector.send_with_headers(self.dlq, rejected.key, rejected.value, headers)
