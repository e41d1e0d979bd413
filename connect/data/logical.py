"""Kafka Connect's logical types (Decimal, Date, Time, Timestamp) and their plain encodings.

In memory a Decimal is `decimal.Decimal`, a Date `datetime.date`, a Time `datetime.time`
and a Timestamp an aware or naive UTC `datetime.datetime`; on the wire they are the
underlying bytes/int32/int64 Kafka Connect uses.
"""

from __future__ import annotations

import datetime as dt
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

from connect.data.schema import LOGICAL_PYTHON_TYPES, Schema, Type
from connect.errors import DataException

DECIMAL = "org.apache.kafka.connect.data.Decimal"
DATE = "org.apache.kafka.connect.data.Date"
TIME = "org.apache.kafka.connect.data.Time"
TIMESTAMP = "org.apache.kafka.connect.data.Timestamp"
SCALE = "scale"

EPOCH_DATE = dt.date(1970, 1, 1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

LOGICAL_PYTHON_TYPES.update({DECIMAL: Decimal, DATE: dt.date, TIME: dt.time, TIMESTAMP: dt.datetime})


def decimal_schema(scale: int, *, optional: bool = False) -> Schema:
    return Schema(Type.BYTES, optional, name=DECIMAL, version=1, parameters={SCALE: str(scale)})


def date_schema(*, optional: bool = False) -> Schema:
    return Schema(Type.INT32, optional, name=DATE, version=1)


def time_schema(*, optional: bool = False) -> Schema:
    return Schema(Type.INT32, optional, name=TIME, version=1)


def timestamp_schema(*, optional: bool = False) -> Schema:
    return Schema(Type.INT64, optional, name=TIMESTAMP, version=1)


def decimal_scale(schema: Schema) -> int:
    try:
        return int((schema.parameters or {})[SCALE])
    except (KeyError, ValueError):
        raise DataException(f"decimal schema {schema.name} has no valid '{SCALE}' parameter") from None


def decimal_to_bytes(value: Decimal, scale: int) -> bytes:
    """The unscaled value in the fewest big-endian two's-complement bytes (Java's BigInteger.toByteArray)."""
    unscaled = int(value.scaleb(scale, _EXACT).to_integral_value(context=_EXACT))
    return unscaled.to_bytes(twos_complement_length(unscaled), "big", signed=True)


def twos_complement_length(n: int) -> int:
    """Bytes of the shortest two's-complement form of `n` (a sign bit included)."""
    return (n if n >= 0 else ~n).bit_length() // 8 + 1


_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)  # no rounding of a 38-digit numeric


def decimal_from_bytes(raw: bytes, scale: int) -> Decimal:
    return Decimal(int.from_bytes(raw, "big", signed=True)).scaleb(-scale)


def date_to_days(value: dt.date) -> int:
    if isinstance(value, dt.datetime):
        value = value.date()
    return (value - EPOCH_DATE).days


def days_to_date(days: int) -> dt.date:
    return EPOCH_DATE + dt.timedelta(days=days)


def time_to_millis(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000


def millis_to_time(ms: int) -> dt.time:
    if not 0 <= ms < 86_400_000:
        raise DataException(f"Time value {ms} ms is outside one day")
    seconds, millis = divmod(ms, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return dt.time(hour, minute, second, millis * 1000)


def timestamp_to_millis(value: dt.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def millis_to_timestamp(ms: int) -> dt.datetime:
    return EPOCH + dt.timedelta(milliseconds=ms)
