"""Postgres column types → Debezium's Connect schemas and value conversions.

Values arrive in the server's text output format and are loaded by psycopg's C loaders,
chosen per column by type OID (`loader_oid`); a column then applies at most one small
conversion (`convert`) to reach Debezium's representation (e.g. a timestamptz becomes an
ISO-8601 UTC string, a date the days since the epoch). Both are decided once per column.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from connect.data import Schema, Type
from connect.data.logical import DATE, DECIMAL, TIME, TIMESTAMP

# Debezium's logical type names.
DBZ_DATE = "io.debezium.time.Date"
DBZ_TIME = "io.debezium.time.Time"
MICRO_TIME = "io.debezium.time.MicroTime"
DBZ_TIMESTAMP = "io.debezium.time.Timestamp"
MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp"
ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp"
ZONED_TIME = "io.debezium.time.ZonedTime"
MICRO_DURATION = "io.debezium.time.MicroDuration"
INTERVAL = "io.debezium.time.Interval"
JSON = "io.debezium.data.Json"
UUID = "io.debezium.data.Uuid"
ENUM = "io.debezium.data.Enum"
VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal"

#: What Debezium writes for an unchanged TOASTed value it was not sent.
UNAVAILABLE_VALUE = "__debezium_unavailable_value"

# Builtin type OIDs (pg_type.h).
BOOL, BYTEA, CHAR, NAME, INT8, INT2, INT4, TEXT, OID, JSON_OID = 16, 17, 18, 19, 20, 21, 23, 25, 26, 114
FLOAT4, FLOAT8, BPCHAR, VARCHAR, DATE_OID, TIME_OID = 700, 701, 1042, 1043, 1082, 1083
TIMESTAMP_OID, TIMESTAMPTZ, INTERVAL_OID, TIMETZ, NUMERIC, UUID_OID, JSONB = 1114, 1184, 1186, 1266, 1700, 2950, 3802
TEXT_ARRAY = 1009

_EPOCH_DATE_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)
DAYS_PER_MONTH_AVG = 365.25 / 12.0


@dataclass(frozen=True, slots=True)
class TypeModes:
    """The value-representation options of the connector (Debezium's *.handling.mode keys)."""

    decimal: str = "precise"  # precise | double | string
    time_precision: str = "adaptive"  # adaptive | adaptive_time_microseconds | connect
    binary: str = "bytes"  # bytes | base64 | base64-url-safe | hex
    interval: str = "numeric"  # numeric | string


@dataclass(frozen=True, slots=True)
class PgType:
    """What the catalog says about a non-builtin type (enum, array, domain)."""

    oid: int
    name: str
    kind: str  # pg_type.typtype: b base, e enum, d domain, ...
    element: int = 0  # typelem for arrays
    base: int = 0  # typbasetype for domains
    labels: tuple[str, ...] = ()  # enum labels in sort order
    category: str = ""  # typcategory: 'A' array


TypeLookup = Callable[[int], PgType | None]
Converter = Callable[[Any], Any]


class ColumnMapping(NamedTuple):
    """How one column is read: its (required) schema, the loader OID, the post-load conversion."""

    schema: Schema
    loader_oid: int
    convert: Converter | None


def _named(type_: Type, name: str, parameters: Mapping[str, str] | None = None, doc: str | None = None) -> Schema:
    return Schema(type_, name=name, version=1, parameters=parameters, doc=doc)


VARIABLE_SCALE_DECIMAL_SCHEMA = Schema.struct(
    VARIABLE_SCALE_DECIMAL,
    [("scale", Schema(Type.INT32)), ("value", Schema(Type.BYTES))],
    version=1,
    doc="Variable scaled decimal",
)


# -- conversions ------------------------------------------------------------------------------
def date_to_days(value: dt.date) -> int:
    return value.toordinal() - _EPOCH_DATE_ORDINAL


def time_to_micros(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def time_to_millis(value: dt.time) -> int:
    return time_to_micros(value) // 1000


def timestamp_to_micros(value: dt.datetime) -> int:
    return (value - _EPOCH_NAIVE) // _ONE_US


def timestamp_to_millis(value: dt.datetime) -> int:
    return (value - _EPOCH_NAIVE) // _ONE_US // 1000


def variable_scale_decimal(text: str) -> dict[str, Any] | None:
    """A numeric's text → VariableScaleDecimal {scale, unscaled big-endian two's complement bytes}."""
    whole, _, frac = text.partition(".")
    try:
        unscaled = int(whole + frac)
    except ValueError:  # NaN, Infinity: not representable, as in Debezium
        return None
    # bit_length + 8 leaves room for the sign bit (and gives one byte for zero).
    return {"scale": len(frac), "value": unscaled.to_bytes((unscaled.bit_length() + 8) // 8, "big", signed=True)}


def decimal_to_string(value: Decimal) -> str:
    return format(value, "f")


def _zoned_timestamp(width: int) -> Converter:
    """Text of a timestamptz (read with TimeZone=UTC) → Debezium's ISO string with `width` fraction digits."""

    def convert(text: str) -> str:
        # Fast path: '2026-11-23 08:03:03.12+00' as the server prints it in UTC.
        if text[-3:] == "+00" and text[10] == " " and len(text) <= 29:
            frac = text[20:-3] if text[19] == "." else ""
            if width:
                return f"{text[:10]}T{text[11:19]}.{frac.ljust(width, '0')}Z"
            return f"{text[:10]}T{text[11:19]}Z"
        return _zoned_timestamp_slow(text, width)

    return convert


def _zoned_timestamp_slow(text: str, width: int) -> str:
    if text in ("infinity", "-infinity"):
        return text
    value = dt.datetime.fromisoformat(_pad_offset(text)).astimezone(dt.UTC)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    if width:
        base += "." + f"{value.microsecond:06d}"[:width].ljust(width, "0")
    return base + "Z"


def _pad_offset(text: str) -> str:
    # Python wants ±HH:MM; Postgres may print ±HH or ±HH:MM:SS.
    m = re.search(r"([+-]\d\d)(:\d\d)?(:\d\d)?$", text)
    if m and not m.group(2):
        return text + ":00"
    return text


def zoned_time(text: str) -> str:
    """Text of a timetz → Debezium's ISO offset time in UTC, e.g. '10:15:30.5Z'."""
    value = dt.datetime.fromisoformat("2000-01-01T" + _pad_offset(text)).astimezone(dt.UTC)
    base = value.strftime("%H:%M:%S")
    if value.microsecond:
        base += ("." + f"{value.microsecond:06d}").rstrip("0")
    return base + "Z"


_INTERVAL = re.compile(
    r"^(?:(?P<years>[+-]?\d+) years? ?)?(?:(?P<months>[+-]?\d+) mons? ?)?(?:(?P<days>[+-]?\d+) days? ?)?"
    r"(?:(?P<sign>[+-])?(?P<hours>\d+):(?P<minutes>\d\d):(?P<seconds>\d\d(?:\.\d+)?))?$"
)


def _interval_parts(text: str) -> tuple[int, int, int, int, int, Decimal]:
    m = _INTERVAL.match(text.strip())
    if m is None:
        raise ValueError(f"unsupported interval text {text!r} (IntervalStyle must be 'postgres')")
    years, months, days = (int(m.group(g) or 0) for g in ("years", "months", "days"))
    sign = -1 if m.group("sign") == "-" else 1
    hours = sign * int(m.group("hours") or 0)
    minutes = sign * int(m.group("minutes") or 0)
    seconds = sign * Decimal(m.group("seconds") or 0)
    return years, months, days, hours, minutes, seconds


def interval_to_micros(text: str) -> int:
    years, months, days, hours, minutes, seconds = _interval_parts(text)
    total_days = (years * 12 + months) * DAYS_PER_MONTH_AVG + days
    total_seconds = ((total_days * 24 + hours) * 60 + minutes) * 60 + float(seconds)
    return int(total_seconds * 1e6)


def interval_to_iso(text: str) -> str:
    years, months, days, hours, minutes, seconds = _interval_parts(text)
    secs = format(seconds.normalize(), "f") if seconds else "0"
    return f"P{years}Y{months}M{days}DT{hours}H{minutes}M{secs}S"


def _binary(mode: str) -> Converter | None:
    if mode == "base64":
        return lambda v: base64.b64encode(v).decode("ascii")
    if mode == "base64-url-safe":
        return lambda v: base64.urlsafe_b64encode(v).decode("ascii")
    if mode == "hex":
        return lambda v: v.hex()
    return None


def toast_placeholder(schema: Schema, placeholder: str = UNAVAILABLE_VALUE) -> Any:
    """The value standing for an unchanged TOASTed column of this schema, as Debezium writes it."""
    if schema.type is Type.BYTES:
        return placeholder.encode()
    if schema.type is Type.ARRAY and schema.value_schema is not None:
        item = schema.value_schema.type
        if item in (Type.INT8, Type.INT16, Type.INT32, Type.INT64):
            return list(placeholder.encode())
        if item is Type.BYTES:
            return [placeholder.encode()]
        return [placeholder]
    return placeholder


def required_fallback(schema: Schema) -> Any:
    """What Debezium writes for a NOT NULL column the server did not send (the old row of a delete
    under REPLICA IDENTITY DEFAULT holds only the key): never null, so typed consumers (Avro) accept it."""
    match schema.name:
        case "io.debezium.time.ZonedTimestamp":
            return "1970-01-01T00:00:00Z"
        case "io.debezium.time.ZonedTime":
            return "00:00:00Z"
        case "org.apache.kafka.connect.data.Decimal":
            return Decimal(0)
        case "org.apache.kafka.connect.data.Date":
            return dt.date(1970, 1, 1)
        case "org.apache.kafka.connect.data.Time":
            return dt.time(0)
        case "org.apache.kafka.connect.data.Timestamp":
            return _EPOCH_NAIVE
        case "io.debezium.data.VariableScaleDecimal":
            return {"scale": 0, "value": b"\x00"}
    return {
        Type.INT8: 0,
        Type.INT16: 0,
        Type.INT32: 0,
        Type.INT64: 0,
        Type.FLOAT32: 0.0,
        Type.FLOAT64: 0.0,
        Type.BOOLEAN: False,
        Type.STRING: "",
        Type.BYTES: b"",
        Type.ARRAY: [],
        Type.MAP: {},
    }.get(schema.type)


def _over_elements(convert: Converter) -> Converter:
    def each(values: list[Any]) -> list[Any]:
        return [None if v is None else convert(v) for v in values]

    return each


# -- the mapping ------------------------------------------------------------------------------
def _numeric(typmod: int, modes: TypeModes) -> ColumnMapping:
    if modes.decimal == "double":
        return ColumnMapping(Schema(Type.FLOAT64), NUMERIC, float)
    if modes.decimal == "string":
        return ColumnMapping(Schema(Type.STRING), NUMERIC, decimal_to_string)
    if typmod < 4:  # numeric without precision/scale: the scale varies per value
        return ColumnMapping(VARIABLE_SCALE_DECIMAL_SCHEMA, TEXT, variable_scale_decimal)
    precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    schema = Schema(
        Type.BYTES,
        name=DECIMAL,
        version=1,
        parameters={"scale": str(scale), "connect.decimal.precision": str(precision)},
    )
    return ColumnMapping(schema, NUMERIC, None)


def _time_precision(typmod: int) -> int:
    return 6 if typmod < 0 else typmod


def _scalar(oid: int, typmod: int, modes: TypeModes) -> ColumnMapping | None:
    """Builtin scalar types; None when the OID is not one of them."""
    tp = modes.time_precision
    match oid:
        case 21:
            return ColumnMapping(Schema(Type.INT16), INT2, None)
        case 23:
            return ColumnMapping(Schema(Type.INT32), INT4, None)
        case 20 | 26:
            return ColumnMapping(Schema(Type.INT64), oid, None)
        case 700:
            return ColumnMapping(Schema(Type.FLOAT32), FLOAT4, None)
        case 701:
            return ColumnMapping(Schema(Type.FLOAT64), FLOAT8, None)
        case 16:
            return ColumnMapping(Schema(Type.BOOLEAN), BOOL, None)
        case 25 | 1043 | 1042 | 18 | 19:
            return ColumnMapping(Schema(Type.STRING), TEXT, None)
        case 1700:
            return _numeric(typmod, modes)
        case 17:
            schema = Schema(Type.BYTES) if modes.binary == "bytes" else Schema(Type.STRING)
            return ColumnMapping(schema, BYTEA, _binary(modes.binary))
        case 114 | 3802:
            return ColumnMapping(_named(Type.STRING, JSON), TEXT, None)
        case 2950:
            return ColumnMapping(_named(Type.STRING, UUID), TEXT, None)
        case 1082:
            if tp == "connect":
                return ColumnMapping(_named(Type.INT32, DATE), DATE_OID, None)
            return ColumnMapping(_named(Type.INT32, DBZ_DATE), DATE_OID, date_to_days)
        case 1083:
            precision = _time_precision(typmod)
            if tp == "connect":
                return ColumnMapping(_named(Type.INT32, TIME), TIME_OID, None)
            if tp == "adaptive" and precision <= 3:
                return ColumnMapping(_named(Type.INT32, DBZ_TIME), TIME_OID, time_to_millis)
            return ColumnMapping(_named(Type.INT64, MICRO_TIME), TIME_OID, time_to_micros)
        case 1114:
            precision = _time_precision(typmod)
            if tp == "connect":
                return ColumnMapping(_named(Type.INT64, TIMESTAMP), TIMESTAMP_OID, None)
            if precision <= 3:
                return ColumnMapping(_named(Type.INT64, DBZ_TIMESTAMP), TIMESTAMP_OID, timestamp_to_millis)
            return ColumnMapping(_named(Type.INT64, MICRO_TIMESTAMP), TIMESTAMP_OID, timestamp_to_micros)
        case 1184:
            return ColumnMapping(_named(Type.STRING, ZONED_TIMESTAMP), TEXT, _zoned_timestamp(_time_precision(typmod)))
        case 1266:
            return ColumnMapping(_named(Type.STRING, ZONED_TIME), TEXT, zoned_time)
        case 1186:
            if modes.interval == "string":
                return ColumnMapping(_named(Type.STRING, INTERVAL), TEXT, interval_to_iso)
            return ColumnMapping(_named(Type.INT64, MICRO_DURATION), TEXT, interval_to_micros)
    return None


def column_mapping(oid: int, typmod: int, modes: TypeModes, lookup: TypeLookup) -> ColumnMapping:
    """The schema (not yet optional), loader and conversion for a column of type `oid`."""
    scalar = _scalar(oid, typmod, modes)
    if scalar is not None:
        return scalar
    info = lookup(oid)
    if info is None:
        return ColumnMapping(Schema(Type.STRING), TEXT, None)  # unknown: its text form
    if info.kind == "e":
        return ColumnMapping(_named(Type.STRING, ENUM, {"allowed": ",".join(info.labels)}), TEXT, None)
    if info.kind == "d" and info.base:
        return column_mapping(info.base, typmod, modes, lookup)
    if info.category == "A" and info.element:
        return _array(info.element, typmod, modes, lookup, oid)
    return ColumnMapping(Schema(Type.STRING), TEXT, None)


def _array(element: int, typmod: int, modes: TypeModes, lookup: TypeLookup, array_oid: int) -> ColumnMapping:
    inner = column_mapping(element, typmod, modes, lookup)
    item_schema = inner.schema.as_optional()
    element_info = None if _scalar(element, typmod, modes) is not None else lookup(element)
    if element_info is not None and element_info.kind == "e":
        item_schema = inner.schema  # Debezium leaves enum array items required
    schema = Schema.array(item_schema)
    # Elements whose Debezium form is text (json, uuid, timestamptz, enums...) are read with
    # the text[] loader; the others with psycopg's loader for the array type itself.
    text_elements = inner.loader_oid == TEXT
    if text_elements:
        loader = TEXT_ARRAY
    elif _scalar(element, typmod, modes) is not None:
        loader = array_oid
    else:
        loader = TEXT_ARRAY
    convert = None if inner.convert is None else _over_elements(inner.convert)
    return ColumnMapping(schema, loader, convert)
