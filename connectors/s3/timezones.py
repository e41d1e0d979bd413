"""Time zones as Joda-Time names them (IANA ids, `UTC`, fixed `+hh:mm` offsets) and the local-time arithmetic
Confluent's time-based partitioner and scheduled rotation do with them."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connect.errors import ConfigException

_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?$")
_EPOCH = dt.datetime(1970, 1, 1)
_DAY_MS = 86_400_000


@cache
def _zone(value: str) -> dt.tzinfo:
    match = _OFFSET.match(value)
    if match:
        sign, hours, minutes = match.groups()
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if offset > dt.timedelta(hours=18):
            raise ValueError("offset beyond 18 hours")
        return dt.timezone(-offset if sign == "-" else offset)
    if value.upper() in ("UTC", "Z", "GMT"):
        return dt.UTC
    return ZoneInfo(value)


def zone(key: str, value: str) -> dt.tzinfo:
    """The tzinfo of a config value, or a ConfigException naming `key`."""
    try:
        return _zone(value.strip())
    except (ValueError, ZoneInfoNotFoundError):
        message = "Unknown time zone: use an IANA name such as Europe/Paris, or +hh:mm"
        raise ConfigException(key, value, message) from None


def offset_ms(ts_ms: int, tz: dt.tzinfo) -> int:
    """The zone's UTC offset at an instant, in ms."""
    at = dt.datetime.fromtimestamp(ts_ms / 1000, dt.UTC)
    delta = tz.utcoffset(at.astimezone(tz))
    return 0 if delta is None else int(delta.total_seconds() * 1000)


def java_floor(value: int, step: int) -> int:
    """(value / step) * step with Java's truncation toward zero, as Confluent computes partitions."""
    quotient = abs(value) // step
    return (quotient if value >= 0 else -quotient) * step


def bucket_start(ts_ms: int, duration_ms: int, tz: dt.tzinfo) -> dt.datetime:
    """The local time a record's time partition starts at (Confluent's TimeBasedPartitioner.getPartition)."""
    local = ts_ms + offset_ms(ts_ms, tz)
    naive = _EPOCH + dt.timedelta(milliseconds=java_floor(local, duration_ms))
    # Through UTC and back: a start inside a daylight-saving gap lands on the valid time after it.
    return naive.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz)


def next_scheduled(now_ms: int, period_ms: int, tz: dt.tzinfo) -> int:
    """The next multiple of `period_ms` after `now_ms`, counted from midnight in `tz`, at most next midnight."""
    local_now = dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC).astimezone(tz)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    start = int(midnight.replace(tzinfo=tz).timestamp() * 1000)
    next_midnight = midnight + dt.timedelta(days=1)
    day = int(next_midnight.replace(tzinfo=tz).timestamp() * 1000) - start or _DAY_MS
    offset = ((now_ms - start) // period_ms + 1) * period_ms
    return start + min(offset, day)
