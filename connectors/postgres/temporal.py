"""Postgres date/time text → Debezium's temporal values, with calendar arithmetic instead of `datetime`.

The server prints values in ISO DateStyle, UTC time zone and `postgres` IntervalStyle (the session
settings of every connection). Python's `datetime` cannot hold years beyond 9999, BC dates or
`infinity`, so dates are counted with integer arithmetic (proleptic Gregorian, astronomical years).

Debezium reads scalar values of the stream through its own parser and everything else (snapshot
values, array elements) through the JDBC driver, and the two disagree at the edges. Each function
here says which reading it reproduces: e.g. a BC date read by the snapshot loses its era, array
elements of `timestamp` count dates before 1582-10-15 in the Julian calendar (`java.sql.Timestamp`),
and a time of `24:00:00` inside an array becomes midnight. A value Debezium cannot convert at all
raises ValueError; the row reader then writes null, as Debezium does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

Converter = Callable[[str], object]

LONG_MAX = 2**63 - 1
LONG_MIN = -(2**63)
_GREGORIAN_START = (1582, 10, 15)  # java.util.GregorianCalendar's default cut-over

# Debezium's values for ±infinity, per reading (checked against Debezium 3.7 in the differential test).
DATE_INFINITY_STREAMED = 2146033979
DATE_NEG_INFINITY_STREAMED = -2147472691
DATE_INFINITY_JDBC = -622191234
DATE_NEG_INFINITY_JDBC = -625821272
MILLIS_INFINITY = 9223372036825200000  # pgjdbc's DATE_POSITIVE_INFINITY
MILLIS_NEG_INFINITY = -9223372036832400000


# -- calendars -----------------------------------------------------------------------------------
def civil_days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (astronomical year: 1 BC is 0)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def julian_days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a date of the Julian calendar (astronomical year)."""
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083 - 2440588


def hybrid_days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 as java.util.GregorianCalendar counts them (Julian before 1582-10-15)."""
    if (year, month, day) < _GREGORIAN_START:
        return julian_days(year, month, day)
    return civil_days(year, month, day)


def _civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


# -- parsing ---------------------------------------------------------------------------------------
def _date_parts(text: str) -> tuple[int, int, int, bool]:
    """'YYYY-MM-DD[ BC]' → (year as printed, month, day, bc)."""
    bc = text.endswith(" BC")
    if bc:
        text = text[:-3]
    year, month, day = text.split("-")
    return int(year), int(month), int(day), bc


def _clock_micros(text: str) -> int:
    """'HH:MM:SS[.ffffff]' → microseconds of the day (24:00:00 included)."""
    hours, minutes, rest = text.split(":")
    seconds, _, fraction = rest.partition(".")
    micros = int(fraction.ljust(6, "0")[:6]) if fraction else 0
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1_000_000 + micros


def _offset_seconds(text: str) -> int:
    """'+HH[:MM[:SS]]' → seconds east of UTC."""
    sign = -1 if text[0] == "-" else 1
    parts = [int(p) for p in text[1:].split(":")]
    parts += [0] * (3 - len(parts))
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _split_offset(text: str) -> tuple[str, str]:
    """'10:00:00.5+05:30' → ('10:00:00.5', '+05:30')."""
    at = max(text.rfind("+"), text.rfind("-"))
    return text[:at], text[at:]


def _timestamp_parts(text: str) -> tuple[int, int, int, bool, int]:
    """'YYYY-MM-DD HH:MM:SS[.ffffff][ BC]' → (year as printed, month, day, bc, micros of the day)."""
    bc = text.endswith(" BC")
    if bc:
        text = text[:-3]
    date, _, clock = text.partition(" ")
    year, month, day = date.split("-")
    return int(year), int(month), int(day), bc, _clock_micros(clock)


def _wrap64(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


# -- dates -----------------------------------------------------------------------------------------
def date_streamed(text: str) -> int:
    """A scalar `date` of the stream: proleptic Gregorian days (BC dates counted as such)."""
    if text == "infinity":
        return DATE_INFINITY_STREAMED
    if text == "-infinity":
        return DATE_NEG_INFINITY_STREAMED
    year, month, day, bc = _date_parts(text)
    return civil_days(1 - year if bc else year, month, day)


def date_jdbc(text: str) -> int:
    """A `date` read through JDBC (snapshot values, array elements): a BC date loses its era."""
    if text == "infinity":
        return DATE_INFINITY_JDBC
    if text == "-infinity":
        return DATE_NEG_INFINITY_JDBC
    year, month, day, _ = _date_parts(text)
    return civil_days(year, month, day)


# -- times -----------------------------------------------------------------------------------------
def time_micros(text: str) -> int:
    return _clock_micros(text)


def time_millis(text: str) -> int:
    return _clock_micros(text) // 1000


def time_micros_jdbc(text: str) -> int:
    """An array element of `time`: java.sql.Time keeps milliseconds and wraps 24:00:00 to midnight."""
    return (_clock_micros(text) // 1000 % 86_400_000) * 1000


def time_millis_jdbc(text: str) -> int:
    return _clock_micros(text) // 1000 % 86_400_000


def zoned_time(text: str) -> str:
    """`timetz` → the UTC time as Debezium's ZonedTime writes it ('10:15:30.5Z'); offsets with seconds fail."""
    clock, offset = _split_offset(text)
    if offset.count(":") > 1:
        raise ValueError(f"time zone offset with seconds: {text!r}")
    micros = _clock_micros(clock)
    if micros == 86_400_000_000 and _offset_seconds(offset) == 0:
        return "24:00:00Z"
    micros = (micros - _offset_seconds(offset) * 1_000_000) % 86_400_000_000
    seconds, fraction = divmod(micros, 1_000_000)
    base = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return (base + f".{fraction:06d}".rstrip("0") if fraction else base) + "Z"


# -- timestamps ------------------------------------------------------------------------------------
def _timestamp_micros(text: str, days: Callable[[int, int, int], int], era: bool = True) -> int:
    year, month, day, bc, clock = _timestamp_parts(text)
    if bc and era:
        year = 1 - year
    return days(year, month, day) * 86_400_000_000 + clock


def timestamp_micros(text: str) -> int:
    """MicroTimestamp: seconds * 10**6 saturate at the 64-bit bounds, the fraction is then added with wrap-around
    (what Debezium's Java arithmetic does past year 294247)."""
    if text == "infinity":
        return LONG_MAX
    if text == "-infinity":
        return LONG_MIN
    return _saturated_micros(_timestamp_micros(text, civil_days))


def _saturated_micros(total: int) -> int:
    seconds, micros = divmod(total, 1_000_000)
    scaled = seconds * 1_000_000
    scaled = LONG_MAX if scaled > LONG_MAX else LONG_MIN if scaled < LONG_MIN else scaled
    return _wrap64(scaled + micros)


def timestamp_millis(text: str) -> int:
    if text == "infinity":
        return MILLIS_INFINITY
    if text == "-infinity":
        return MILLIS_NEG_INFINITY
    return _timestamp_micros(text, civil_days) // 1000


def timestamp_micros_jdbc(text: str) -> int:
    """An array element of `timestamp`: java.sql.Timestamp counts dates before 1582-10-15 as Julian."""
    if text == "infinity":
        return LONG_MAX
    if text == "-infinity":
        return LONG_MIN
    return _saturated_micros(_timestamp_micros(text, hybrid_days))


def timestamp_millis_jdbc(text: str) -> int:
    if text == "infinity":
        return MILLIS_INFINITY
    if text == "-infinity":
        return MILLIS_NEG_INFINITY
    return _timestamp_micros(text, hybrid_days) // 1000


def _iso_year(year: int) -> str:
    """java.time's ISO year: four digits, a sign past 9999 or before year 0."""
    if year > 9999:
        return f"+{year}"
    if year < 0:
        return f"-{-year:04d}"
    return f"{year:04d}"


def zoned_timestamp(width: int, jdbc: bool = False) -> Converter:
    """`timestamptz` (printed in UTC) → Debezium's ZonedTimestamp with `width` fraction digits.

    `jdbc` reproduces array elements: a BC date loses its era and `-infinity` becomes the date
    pgjdbc's negative infinity lands on.
    """
    negative_infinity = (
        "+292269055-12-02T23:00:00" + (("." + "0" * width) if width else "") + "Z" if jdbc else "-infinity"
    )

    def convert(text: str) -> str:
        # Fast path: '2026-11-23 08:03:03.12+00' as the server prints it in UTC.
        if len(text) <= 29 and text[-3:] == "+00" and text[10:11] == " " and text[4:5] == "-":
            frac = text[20:-3] if text[19] == "." else ""
            if width:
                return f"{text[:10]}T{text[11:19]}.{frac.ljust(width, '0')[:width]}Z"
            return f"{text[:10]}T{text[11:19]}Z"
        if text == "infinity":
            return text
        if text == "-infinity":
            return negative_infinity
        return _zoned_timestamp_slow(text, width, jdbc)

    return convert


def _zoned_timestamp_slow(text: str, width: int, jdbc: bool) -> str:
    bc = text.endswith(" BC")
    body = text[:-3] if bc else text
    local, offset = _split_offset(body)
    date, _, clock = local.partition(" ")
    year, month, day = (int(p) for p in date.split("-"))
    if bc and not jdbc:
        year = 1 - year
    micros = civil_days(year, month, day) * 86_400_000_000 + _clock_micros(clock) - _offset_seconds(offset) * 1_000_000
    days, micros = divmod(micros, 86_400_000_000)
    year, month, day = _civil_from_days(days)
    seconds, fraction = divmod(micros, 1_000_000)
    base = f"{_iso_year(year)}-{month:02d}-{day:02d}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if width:
        base += "." + f"{fraction:06d}".ljust(width, "0")[:width]
    return base + "Z"


# -- intervals -------------------------------------------------------------------------------------
DAYS_PER_MONTH_AVG = 365.25 / 12.0


def _interval_parts(text: str) -> tuple[int, int, int, int, int, Decimal]:
    """'1 year 2 mons -3 days +04:05:06.5' → (years, months, days, hours, minutes, seconds), as pgjdbc splits it."""
    years = months = days = hours = minutes = 0
    seconds = Decimal(0)
    tokens = text.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if ":" in token:
            sign = -1 if token[0] == "-" else 1
            h, m, s = token.lstrip("+-").split(":")
            hours, minutes, seconds = sign * int(h), sign * int(m), sign * Decimal(s)
            i += 1
            continue
        unit = tokens[i + 1]
        value = int(token)
        if unit.startswith("year"):
            years = value
        elif unit.startswith("mon"):
            months = value
        elif unit.startswith("day"):
            days = value
        else:
            raise ValueError(f"unsupported interval text {text!r} (IntervalStyle must be 'postgres')")
        i += 2
    return years, months, days, hours, minutes, seconds


def _pgjdbc_seconds(seconds: Decimal) -> float:
    """The seconds as pgjdbc's PGInterval hands them over: whole seconds plus rounded microseconds, in a double."""
    value = float(seconds)
    whole = int(value)
    micros = math.floor((value - whole) * 1e6 + 0.5)  # Java's Math.round
    return whole + micros / 1e6


def interval_micros(text: str) -> int:
    """MicroDuration: Debezium's double arithmetic, a month being 365.25/12 days, saturating at 64 bits."""
    years, months, days, hours, minutes, seconds = _interval_parts(text)
    total_days = (years * 12 + months) * DAYS_PER_MONTH_AVG + days
    total = (((total_days * 24 + hours) * 60) + minutes) * 60 + _pgjdbc_seconds(seconds)
    micros = total * 1e6
    if micros >= LONG_MAX:
        return LONG_MAX
    if micros <= LONG_MIN:
        return LONG_MIN
    return int(micros)


def interval_iso(text: str) -> str:
    """io.debezium.time.Interval: 'P1Y2M3DT4H5M6.5S'."""
    years, months, days, hours, minutes, seconds = _interval_parts(text)
    # BigDecimal.valueOf(double), cut (not rounded) to nine decimals, trailing zeros stripped
    exact = Decimal(repr(_pgjdbc_seconds(seconds))).quantize(Decimal("1e-9"), ROUND_DOWN)
    secs = format(exact.normalize(), "f") if exact else "0"
    return f"P{years}Y{months}M{days}DT{hours}H{minutes}M{secs}S"
