"""What is known about one failure: where it happened and which record it concerned."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from connect.data import ConnectRecord
from connect.secrets import format_exception


class Stage(StrEnum):
    """Kafka Connect's stage names (they appear in `__connect.errors.stage`)."""

    KEY_CONVERTER = "KEY_CONVERTER"
    VALUE_CONVERTER = "VALUE_CONVERTER"
    HEADER_CONVERTER = "HEADER_CONVERTER"
    TRANSFORMATION = "TRANSFORMATION"
    TASK_PUT = "TASK_PUT"
    TASK_POLL = "TASK_POLL"
    KAFKA_PRODUCE = "KAFKA_PRODUCE"
    KAFKA_CONSUME = "KAFKA_CONSUME"


@dataclass(slots=True)
class RawMessage:
    """A consumed message as stored in Kafka (what the dead-letter topic receives)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    timestamp: int | None = None


@dataclass(slots=True)
class ErrorContext:
    stage: Stage
    executing_class: str
    error: BaseException
    consumed: RawMessage | None = None
    record: ConnectRecord | None = None

    @property
    def stack_trace(self) -> str:
        return format_exception(self.error)

    @property
    def error_class(self) -> str:
        return f"{type(self.error).__module__}.{type(self.error).__qualname__}"


def class_name(obj: object) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"
