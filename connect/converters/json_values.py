"""What JsonConverter changes in a value, as Kafka Connect's JsonConverter does.

Bytes and BASE64 decimals become base64 text, NUMERIC decimals JSON numbers, Date days since
the epoch, Time and Timestamp milliseconds, maps with non-string keys arrays of [key, value]
pairs; everything else is written as orjson writes it.
"""

from __future__ import annotations

import binascii
import datetime as dt
import math
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import orjson

from connect.converters.plans import Plan, PlanBuilder, entries_to_dict, identity, type_name
from connect.data import Schema, Type
from connect.data.logical import (
    DATE,
    DECIMAL,
    TIME,
    TIMESTAMP,
    date_to_days,
    days_to_date,
    decimal_from_bytes,
    decimal_scale,
    decimal_to_bytes,
    millis_to_time,
    millis_to_timestamp,
    time_to_millis,
    timestamp_to_millis,
)
from connect.errors import DataException


@dataclass(frozen=True, slots=True)
class JsonOptions:
    numeric_decimals: bool = False  # decimal.format=NUMERIC
    replace_null_with_default: bool = True
    exact: bool = False  # reading a payload parsed with Decimal floats (see NeedsExactNumbers)


class NeedsExactNumbers(Exception):
    """A NUMERIC decimal arrived as a float: the payload must be parsed again keeping every digit."""


# -- Connect -> JSON -----------------------------------------------------------------------
def _b64(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b2a_base64(value, newline=False).decode("ascii")
    raise DataException(f"Invalid type for bytes type: {type_name(value)}")


def _checked_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise DataException(f"Decimal value {value} cannot be written as JSON")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise DataException(f"Invalid type for Decimal, expected Decimal but was {type_name(value)}")


def _temporal_writer(kind: type, to_number: Callable[[Any], int], label: str) -> Plan:
    def write(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # already the wire form
        if isinstance(value, kind):
            return to_number(value)
        raise DataException(f"Invalid type for {label}, expected {kind.__name__} but was {type_name(value)}")

    return write


_DATE_WRITER = _temporal_writer(dt.date, date_to_days, "Date")
_TIME_WRITER = _temporal_writer(dt.time, time_to_millis, "Time")
_TIMESTAMP_WRITER = _temporal_writer(dt.datetime, timestamp_to_millis, "Timestamp")


_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _write_float(value: Any) -> Any:
    """A float as Kafka Connect's JsonConverter writes it: NaN and infinities as the strings Jackson writes."""
    if value - value == 0:  # finite (and ints): left to orjson, the value unchanged so nothing is copied
        return value
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _read_float(value: Any) -> Any:
    if type(value) is str:
        try:
            return _NON_FINITE[value]
        except KeyError:
            raise DataException(f"Invalid value {value!r} for a floating-point field") from None
    return value


def _write_leaf(opts: JsonOptions, top: Schema | None, floats: bool = True) -> Callable[[Schema], Plan | None]:
    """Leaf conversions; bytes only for `top` itself, or everywhere when `top` is None; floats unless told not."""

    def leaf(schema: Schema) -> Plan | None:
        name = schema.name
        if name == DECIMAL:
            if opts.numeric_decimals:
                return lambda v: orjson.Fragment(str(_checked_decimal(v)))
            scale = decimal_scale(schema)
            return lambda v: b2a_base64(decimal_to_bytes(_checked_decimal(v), scale), newline=False).decode("ascii")
        if name == DATE:
            return _DATE_WRITER
        if name == TIME:
            return _TIME_WRITER
        if name == TIMESTAMP:
            return _TIMESTAMP_WRITER
        if floats and (schema.type is Type.FLOAT64 or schema.type is Type.FLOAT32):
            return _write_float
        if schema.type is Type.BYTES:
            # Bytes inside a struct, array or map are left to orjson's default hook (the same base64),
            # so a value is not walked and copied for them; a top-level bytes value is still checked.
            return _b64 if top is None or schema is top else None
        return None

    return leaf


def _write_pairs(key_plan: Plan | None, value_plan: Plan | None) -> Plan:
    kp = key_plan or identity
    vp = value_plan or identity

    def convert(value: Any) -> list[list[Any]]:
        if not isinstance(value, dict):
            raise DataException(f"Maps should be dicts, but found {type_name(value)}")
        return [[kp(k), vp(v)] for k, v in value.items()]

    return convert


def writer_for(schema: Schema, opts: JsonOptions, *, nulls: bool = True, every_bytes: bool = False) -> Plan | None:
    """The plan turning a value of `schema` into what orjson writes (with `schemaless_default`), or None
    when it already is; `every_bytes` also turns nested bytes into text, for a plain `orjson.dumps`.

    When floats are all that needs a look (the common case of a change event with a double column), the
    plan is a generated guard that reads just those fields and takes the full plan only for a NaN or an
    infinity, instead of walking the value.
    """

    def build(floats: bool) -> Plan | None:
        return PlanBuilder(
            _write_leaf(opts, None if every_bytes else schema, floats),
            _write_pairs,
            writing=True,
            replace_null_with_default=opts.replace_null_with_default,
        ).build(schema, nulls=nulls)

    full = build(True)
    if full is None or build(False) is not None:
        return full
    paths = _float_paths(schema) if schema.type is Type.STRUCT else None
    return full if paths is None else _float_guard(paths, full)


def _float_paths(schema: Schema, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]] | None:
    """Where the float fields of nested structs are; None when one is in an array or a map (no cheap guard)."""
    if schema.type in (Type.FLOAT32, Type.FLOAT64):
        return [prefix]
    if schema.type is Type.STRUCT:
        paths: list[tuple[str, ...]] = []
        for f in schema.fields:
            found = _float_paths(f.schema, (*prefix, f.name))
            if found is None:
                return None
            paths += found
        return paths
    inner = [s for s in (schema.key_schema, schema.value_schema) if s is not None]
    if any(_float_paths(s) != [] for s in inner):
        return None  # floats in an array or a map
    return []


def _float_guard(paths: list[tuple[str, ...]], full: Plan) -> Plan:
    """A check of the float fields at `paths` (generated once per schema): the value as it is when all are
    finite, else what the full plan makes of it."""
    lines = ["def guard(value):", "  try:"]
    for n, path in enumerate(paths):
        indent, holder = "    ", "value"
        for depth, name in enumerate(path[:-1]):
            lines += [f"{indent}v{n}_{depth} = {holder}.get({name!r})", f"{indent}if v{n}_{depth} is not None:"]
            indent, holder = indent + "    ", f"v{n}_{depth}"
        lines += [
            f"{indent}x = {holder}.get({path[-1]!r})",
            f"{indent}if x is not None and x - x != 0:",
            f"{indent}    return full(value)",
        ]
    lines += [
        "  except (AttributeError, TypeError):",
        "    return full(value)  # not a struct, or not a number: the full plan says why",
        "  return value",
    ]
    env: dict[str, Any] = {"full": full}
    exec(compile("\n".join(lines), "<float guard>", "exec"), env)  # code built from field names only
    guard: Plan = env["guard"]
    return guard


def to_json_value(schema: Schema, value: Any, opts: JsonOptions) -> Any:
    """One value of `schema` in its JSON-able form (for schema defaults, off the hot path)."""
    plan = writer_for(schema, opts, every_bytes=True)
    return value if plan is None else plan(value)


def schemaless_default(value: Any) -> Any:
    """orjson's `default=` for what orjson does not write itself: bytes as base64 (the common case: bytes
    inside schema'd values come here too), decimals as numbers."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b2a_base64(value, newline=False).decode("ascii")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"Decimal value {value} cannot be written as JSON")
        return orjson.Fragment(str(value))
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"Type is not JSON serializable: {type_name(value)}")


_STRING_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escaped(text: str) -> orjson.Fragment:
    """A string holding a lone UTF-16 surrogate (e.g. Java's substring through an emoji), written as Jackson
    writes it: the surrogate as a \\uXXXX escape, everything else as it is."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[ch])
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04X}" if code < 0x20 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return orjson.Fragment(('"' + "".join(out) + '"').encode())


def with_lone_surrogates_escaped(value: Any) -> Any:
    """The value with each string orjson cannot encode (a lone surrogate in it) as a pre-written JSON fragment."""
    if isinstance(value, str):
        try:
            value.encode()
            return value
        except UnicodeEncodeError:
            return _escaped(value)
    if isinstance(value, dict):
        return {k: with_lone_surrogates_escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [with_lone_surrogates_escaped(v) for v in value]
    return value


def schemaless_pairs(value: Any) -> Any:
    """Maps with a non-string key become arrays of [key, value] pairs, as Kafka Connect writes them."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: schemaless_pairs(v) for k, v in value.items()}
        return [[schemaless_pairs(k), schemaless_pairs(v)] for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [schemaless_pairs(v) for v in value]
    return value


# -- JSON -> Connect -----------------------------------------------------------------------
def _json_kind(value: Any) -> str:
    return {dict: "OBJECT", list: "ARRAY", str: "STRING", bool: "BOOLEAN", type(None): "NULL"}.get(
        type(value), "NUMBER"
    )


def _decimal_reader(scale: int) -> Plan:
    def read(value: Any) -> Decimal:
        if isinstance(value, str):
            try:
                return decimal_from_bytes(a2b_base64(value, strict_mode=True), scale)
            except (binascii.Error, ValueError) as exc:
                raise DataException(f"Invalid bytes for Decimal field: {exc}") from None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, float):
            raise NeedsExactNumbers
        raise DataException(
            "Invalid type for Decimal, underlying representation should be numeric or bytes "
            f"but was {_json_kind(value)}"
        )

    return read


def _int_reader(to_value: Callable[[int], Any], label: str, integral: str) -> Plan:
    def read(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return to_value(value)
        raise DataException(
            f"Invalid type for {label}, underlying representation should be {integral} but was {_json_kind(value)}"
        )

    return read


def _bytes_reader(value: Any) -> bytes:
    if isinstance(value, str):
        try:
            return a2b_base64(value, strict_mode=True)
        except (binascii.Error, ValueError):
            raise DataException("Invalid bytes field") from None
    raise DataException(f"Invalid bytes field: expected base64 text, found {_json_kind(value)}")


def _read_exact_float(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else _read_float(value)


_DATE_READER = _int_reader(days_to_date, "Date", "integer")
_TIME_READER = _int_reader(millis_to_time, "Time", "integer")
_TIMESTAMP_READER = _int_reader(millis_to_timestamp, "Timestamp", "integral")


def _read_leaf(opts: JsonOptions) -> Callable[[Schema], Plan | None]:
    def leaf(schema: Schema) -> Plan | None:
        name = schema.name
        if name == DECIMAL:
            return _decimal_reader(decimal_scale(schema))
        if name == DATE:
            return _DATE_READER
        if name == TIME:
            return _TIME_READER
        if name == TIMESTAMP:
            return _TIMESTAMP_READER
        if schema.type is Type.BYTES:
            return _bytes_reader
        if schema.type in (Type.FLOAT32, Type.FLOAT64):
            return _read_exact_float if opts.exact else _read_float
        return None

    return leaf


def _pair(entry: Any) -> tuple[Any, Any]:
    if not isinstance(entry, list):
        raise DataException(f"Found invalid map entry instead of array tuple: {_json_kind(entry)}")
    if len(entry) != 2:
        raise DataException(f"Found invalid map entry, expected length 2 but found :{len(entry)}")
    return entry[0], entry[1]


def _read_pairs(key_plan: Plan | None, value_plan: Plan | None) -> Plan:
    def read(value: Any) -> Any:
        if not isinstance(value, list):
            raise DataException(
                f"Maps with non-string fields should be encoded as JSON array of tuples, but found {_json_kind(value)}"
            )
        return entries_to_dict(value, key_plan, value_plan, _pair)

    return read


def reader_for(schema: Schema, opts: JsonOptions, *, nulls: bool = True) -> Plan | None:
    """The plan turning parsed JSON of `schema` into the Connect value, or None when it already is."""
    # A schema's default is already a Connect value: it is returned as it is.
    return PlanBuilder(
        _read_leaf(opts),
        _read_pairs,
        writing=False,
        convert_default=False,
        replace_null_with_default=opts.replace_null_with_default,
    ).build(schema, nulls=nulls)


def from_json_value(schema: Schema, value: Any, opts: JsonOptions) -> Any:
    """One parsed JSON value of `schema` as a Connect value (for schema defaults, off the hot path)."""
    plan = reader_for(schema, opts)
    if plan is None:
        return value
    try:
        return plan(value)
    except NeedsExactNumbers:
        exact = reader_for(schema, replace(opts, exact=True))
        assert exact is not None
        return exact(_floats_as_decimals(value))


def _floats_as_decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _floats_as_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats_as_decimals(v) for v in value]
    return value
