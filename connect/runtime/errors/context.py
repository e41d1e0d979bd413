"""What is known about one failure: where it happened and which record it concerned."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from connect.data import ConnectRecord, RecordPosition, SinkRecord
from connect.secrets import format_exception

if TYPE_CHECKING:
    from confluent_kafka import Message


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


def raw_message(msg: Message) -> RawMessage:
    """What the dead-letter topic keeps of a consumed message."""
    ts_type, ts = msg.timestamp()
    return RawMessage(
        msg.topic(),
        msg.partition(),
        msg.offset(),
        msg.key(),
        msg.value(),
        list(msg.headers() or []),
        ts if ts_type else None,
    )


@dataclass(slots=True)
class ErrorContext:
    stage: Stage
    executing_class: str
    error: BaseException
    consumed: RawMessage | None = None
    record: ConnectRecord | None = None

    @property
    def where(self) -> RecordPosition | None:
        """Where the failed record was consumed (`topic-partition@offset`); None for a source record."""
        if self.consumed is not None:
            return RecordPosition(self.consumed.topic, self.consumed.partition, self.consumed.offset)
        return self.record.position if isinstance(self.record, SinkRecord) else None

    @property
    def stack_trace(self) -> str:
        return format_exception(self.error)

    @property
    def error_class(self) -> str:
        return f"{type(self.error).__module__}.{type(self.error).__qualname__}"


def class_name(obj: object) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"
