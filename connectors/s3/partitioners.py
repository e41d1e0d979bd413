"""Partitioners: a record's encoded partition (the key prefix below its topic), as Confluent's storage
partitioners compute it, and the timestamp extractors of the time-based ones.

    default   partition=<kafka partition>
    field     <field>=<value>[/<field>=<value>...]  (partition.field.name)
    time      path.format of the record's time, floored to partition.duration.ms in `timezone`
    daily     year=YYYY/month=MM/day=dd      hourly   year=YYYY/month=MM/day=dd/hour=HH
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from connect.data import Schema, SinkRecord
from connect.data import Type as SchemaType
from connect.data.logical import TIMESTAMP, timestamp_to_millis
from connect.errors import DataException
from connectors.s3.config import PartitionerKind, S3SinkConfig, TimeConfig
from connectors.s3.path_format import PathFormat
from connectors.s3.timezones import bucket_start, java_floor, offset_ms, zone


class PartitionException(DataException):
    """A record the partitioner cannot place (no such field, no timestamp, a type it cannot encode)."""


Extractor = Callable[[SinkRecord, int], int]


class Partitioner(Protocol):
    #: the record-time extractor of a time-based partitioner (drives rotate.interval.ms), else None
    extractor: Extractor | None

    def encode(self, record: SinkRecord, now_ms: int) -> str: ...


class DefaultPartitioner:
    extractor: Extractor | None = None

    def __init__(self) -> None:
        self._names: dict[int | None, str] = {}

    def encode(self, record: SinkRecord, now_ms: int) -> str:
        name = self._names.get(record.kafka_partition)
        if name is None:
            name = self._names[record.kafka_partition] = f"partition={record.kafka_partition}"
        return name


def nested(record: SinkRecord, path: str) -> tuple[Schema | None, Any]:
    """The schema (None when schemaless) and value of a dotted field of a record's value."""
    schema, value = record.value_schema, record.value
    for name in path.split("."):
        if not isinstance(value, dict):
            raise PartitionException(f"Value is not a struct or map: cannot read field {path!r}")
        if schema is not None:
            if schema.type is not SchemaType.STRUCT or not schema.has_field(name):
                raise PartitionException(f"Field {path!r} is not present in the schema")
            schema = schema.field(name).schema
        value = value.get(name)
    return schema, value


class FieldPartitioner:
    extractor: Extractor | None = None

    def __init__(self, fields: tuple[str, ...], delim: str) -> None:
        self.fields = fields
        self.delim = delim

    def encode(self, record: SinkRecord, now_ms: int) -> str:
        if not isinstance(record.value, dict):
            raise PartitionException("FieldPartitioner needs a struct value")
        return self.delim.join(self._one(record, f) for f in self.fields)

    @staticmethod
    def _one(record: SinkRecord, name: str) -> str:
        schema, value = nested(record, name)
        if value is None:
            return f"{name}=null"
        kind = schema.type if schema is not None else None
        if isinstance(value, bool) and kind in (None, SchemaType.BOOLEAN):
            return f"{name}={'true' if value else 'false'}"
        if isinstance(value, int) and not isinstance(value, bool) and (kind is None or kind.value.startswith("int")):
            return f"{name}={value}"
        if isinstance(value, str) and kind in (None, SchemaType.STRING):
            return f"{name}={value}"
        raise PartitionException(f"Field {name!r} of type {kind or type(value).__name__} cannot be a partition")


def record_time(record: SinkRecord, now_ms: int) -> int:
    if record.timestamp is None:
        raise PartitionException("The record has no timestamp (timestamp.extractor=Record)")
    return record.timestamp


def wallclock(record: SinkRecord, now_ms: int) -> int:
    return now_ms


def field_time(name: str) -> Extractor:
    def extract(record: SinkRecord, now_ms: int) -> int:
        schema, value = nested(record, name)
        if isinstance(value, dt.datetime) and (schema is None or schema.name == TIMESTAMP):
            return timestamp_to_millis(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            return _parse_time(value, name)
        raise PartitionException(f"Field {name!r} is not a timestamp, a number or a string: {value!r}")

    return extract


def _parse_time(text: str, name: str) -> int:
    stripped = text.strip()
    if stripped.lstrip("-").isdigit() and len(stripped) <= 20:
        return int(stripped)
    try:
        parsed = dt.datetime.fromisoformat(stripped)
    except ValueError:
        raise PartitionException(f"Field {name!r} is not an ISO-8601 time: {text!r}") from None
    return timestamp_to_millis(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))


def extractor_for(time: TimeConfig) -> Extractor:
    if time.extractor == "Record":
        return record_time
    if time.extractor == "RecordField":
        return field_time(time.field)
    return wallclock


class TimeBasedPartitioner:
    def __init__(self, time: TimeConfig) -> None:
        self.extractor: Extractor | None = extractor_for(time)
        self.duration = time.duration_ms
        self.tz = zone("timezone", time.timezone)
        self.fmt = PathFormat.compile(time.path_format, time.locale)
        self._last: tuple[int, str] = (-1, "")  # (floored local time, path) of the last record

    def encode(self, record: SinkRecord, now_ms: int) -> str:
        assert self.extractor is not None
        ts = self.extractor(record, now_ms)
        floored = java_floor(ts + offset_ms(ts, self.tz), self.duration)
        last = self._last
        if last[0] == floored:
            return last[1]
        path = self.fmt.format(bucket_start(ts, self.duration, self.tz))
        self._last = (floored, path)
        return path


def partitioner_for(config: S3SinkConfig) -> Partitioner:
    if config.partitioner is PartitionerKind.DEFAULT:
        return DefaultPartitioner()
    if config.partitioner is PartitionerKind.FIELD:
        return FieldPartitioner(config.partition_fields, config.directory_delim)
    return TimeBasedPartitioner(config.time)
