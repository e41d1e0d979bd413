"""Connect values → plain Python values by column kind (days → date, micros → datetime, ...), dialect-neutral.

Each function is chosen once per column; the dialects compose them with their own encoding.
Timestamps without a zone are UTC in Connect; `wall_clock(zone)` turns them into the wall time of
`db.timezone` for columns that store wall time.
"""

from __future__ import annotations

import base64
import datetime as dt
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from connect.errors import DataException
from connectors.jdbc.columns import Kind

Convert = Callable[[Any], Any]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EPOCH = dt.datetime(1970, 1, 1)
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def days_to_date(days: int) -> dt.date:
    return dt.date.fromordinal(days + _EPOCH_ORDINAL)


def micros_to_time(micros: int) -> dt.time:
    if not 0 <= micros <= 86_400_000_000:
        raise DataException(f"time value {micros} µs is outside one day")
    if micros == 86_400_000_000:  # 24:00:00, which Postgres allows: the closest Python time
        return dt.time(23, 59, 59, 999_999)
    seconds, us = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return dt.time(hour, minute, second, us)


def millis_to_time(millis: int) -> dt.time:
    return micros_to_time(millis * 1000)


def micros_to_datetime(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


def millis_to_datetime(millis: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(milliseconds=millis)


def naive_utc(value: dt.datetime) -> dt.datetime:
    """A Connect Timestamp as a naive UTC datetime (converters may hand aware ones)."""
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def variable_decimal(value: dict[str, Any]) -> Decimal:
    try:
        unscaled = int.from_bytes(value["value"], "big", signed=True)
        return Decimal(unscaled).scaleb(-int(value["scale"]))
    except (KeyError, TypeError) as exc:
        raise DataException(f"not a VariableScaleDecimal struct: {exc}") from None


def zoned_timestamp(text: str) -> dt.datetime:
    """Debezium's ZonedTimestamp ('2026-11-23T08:03:03.12Z') → an aware datetime."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise DataException(f"{text!r} is not an ISO-8601 timestamp with an offset") from None


def wall_clock(zone: str) -> Callable[[dt.datetime], dt.datetime]:
    """Naive UTC (or aware) datetime → naive wall time in `zone`."""
    if zone.upper() in ("UTC", "Z", "ETC/UTC"):
        return naive_utc
    tz = zoneinfo.ZoneInfo(zone)

    def shift(value: dt.datetime) -> dt.datetime:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(tz).replace(tzinfo=None)

    return shift


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


def to_json(value: Any) -> str:
    """A map, struct or array as JSON text (bytes as base64, dates as ISO-8601)."""
    try:
        return orjson.dumps(value, default=_json_default, option=_JSON_OPTIONS).decode()
    except TypeError as exc:
        raise DataException(f"value cannot be written as JSON: {exc}") from None


def timestamp_reader(kind: Kind, zone: str) -> Convert:
    """Connect/Debezium timestamp values → naive wall time in `zone`."""
    shift = wall_clock(zone)
    if kind is Kind.TIMESTAMP_MICROS:
        return lambda v: shift(micros_to_datetime(v))
    if kind is Kind.TIMESTAMP_MILLIS:
        return lambda v: shift(millis_to_datetime(v))
    return shift


def compose(first: Convert, then: Convert) -> Convert:
    return lambda v: then(first(v))
