"""Kafka Connect's plain-text value format (its `Values` class), as header values are written and read.

Rendering: strings as they are (quoted and escaped inside lists and maps), numbers and booleans
as Java prints them, bytes as base64, lists as `[a,b]`, maps as `{k:v}`, dates, times and
timestamps in ISO 8601 (`2024-01-31`, `10:15:30.000Z`, `2024-01-31T10:15:30.000Z`).
Parsing infers a schema as Kafka Connect does: the smallest integer type that holds a whole
number, float/double for fractions, Decimal for integers beyond 64 bits, boolean and null
literals, ISO temporal literals, and arrays/maps whose elements share a type; anything else is a
string.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
import struct
from decimal import Decimal, InvalidOperation
from typing import Any

from connect.data import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT8_SCHEMA,
    INT16_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    STRING_SCHEMA,
    Schema,
    SchemaAndValue,
    Type,
)
from connect.data.logical import date_schema, decimal_schema, time_schema, timestamp_schema
from connect.errors import DataException

_NULL = SchemaAndValue(None, None)
_INT_SCHEMAS = (
    (-(2**7), 2**7, INT8_SCHEMA),
    (-(2**15), 2**15, INT16_SCHEMA),
    (-(2**31), 2**31, INT32_SCHEMA),
    (-(2**63), 2**63, INT64_SCHEMA),
)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{2})(?:\\?:)(\d{2})(?:\\?:)(\d{2})\.(\d{3})Z")
_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})(?:\\?:)(\d{2})(?:\\?:)(\d{2})\.(\d{3})Z")
_DELIMITERS = frozenset(':,{}[]"')
_DATE_SCHEMA = date_schema()
_TIME_SCHEMA = time_schema()
_TIMESTAMP_SCHEMA = timestamp_schema()


# -- rendering -----------------------------------------------------------------------------
def java_double(value: float) -> str:
    """A float as Java's Double.toString prints it (`1.5`, `1.0E10`, `1.0E-5`)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    power = len(digits) - 1 + exponent
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _millis_text(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def render(value: Any, embedded: bool = False) -> str:
    """A value in Kafka Connect's text format (`Values.convertToString`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return f'"{_escape(value)}"' if embedded else value
    if isinstance(value, (bytes, bytearray, memoryview)):
        text = base64.b64encode(value).decode("ascii")
        return f'"{text}"' if embedded else text
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(render(v, True) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{render(k, True)}:{render(v, True)}" for k, v in value.items()) + "}"
    if isinstance(value, dt.datetime):
        return _millis_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return f"{value:%H:%M:%S}.{value.microsecond // 1000:03d}Z"
    raise DataException(f"Failed to serialize unexpected value type {type(value).__name__}: {value!r}")


# -- parsing -------------------------------------------------------------------------------
def _temporal(text: str) -> SchemaAndValue | None:
    """An ISO date, time or timestamp literal, recognised by its exact length as Kafka Connect does."""
    try:
        if m := _TIMESTAMP.fullmatch(text):
            y, mo, d, h, mi, s, ms = map(int, m.groups())
            return SchemaAndValue(_TIMESTAMP_SCHEMA, dt.datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=dt.UTC))
        if m := _TIME.fullmatch(text):
            h, mi, s, ms = map(int, m.groups())
            return SchemaAndValue(_TIME_SCHEMA, dt.time(h, mi, s, ms * 1000))
        if m := _DATE.fullmatch(text):
            return SchemaAndValue(_DATE_SCHEMA, dt.date(*map(int, m.groups())))
    except ValueError:
        return None
    return None


def _fits_float32(value: float) -> bool:
    try:
        return not math.isinf(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return False


def _number(token: str) -> SchemaAndValue | None:
    if not _NUMBER.fullmatch(token):
        return None
    try:
        number = Decimal(token)
    except InvalidOperation:
        return None
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if number == number.to_integral_value():
        whole = int(number)
        for low, high, schema in _INT_SCHEMAS:
            if low <= whole < high:
                return SchemaAndValue(schema, whole)
    scale = -exponent
    as_float = float(number)
    if scale != 0 and _fits_float32(as_float):
        return SchemaAndValue(FLOAT32_SCHEMA, as_float)
    if scale != 0 and not math.isinf(as_float):
        return SchemaAndValue(FLOAT64_SCHEMA, as_float)
    return SchemaAndValue(decimal_schema(scale), number)


_WIDER = {Type.INT8: 0, Type.INT16: 1, Type.INT32: 2, Type.INT64: 3, Type.FLOAT32: 4, Type.FLOAT64: 5}


def _merge(common: Schema | None, new: Schema) -> Schema | None:
    """The schema both values fit, widening numbers as Kafka Connect does; None when there is none."""
    if common is None:
        return new
    if common.type is not new.type:
        if common.name is None and new.name is None and common.type in _WIDER and new.type in _WIDER:
            return common if _WIDER[common.type] > _WIDER[new.type] else new
        return None
    return common if common == new else None


class _Merger:
    __slots__ = ("compatible", "schema")

    def __init__(self) -> None:
        self.schema: Schema | None = None
        self.compatible = True

    def add(self, parsed: SchemaAndValue | None) -> None:
        if parsed is None or parsed.schema is None:
            self.compatible = self.compatible and (parsed is None or parsed.value is None)
            return
        if self.compatible:
            self.schema = _merge(self.schema, parsed.schema)
            self.compatible = self.schema is not None

    @property
    def common(self) -> Schema | None:
        return self.schema if self.compatible else None


def _align(schema: Schema, value: Any) -> Any:
    if value is not None and schema.type in (Type.FLOAT32, Type.FLOAT64) and not isinstance(value, float):
        return float(value)
    return value


class _Parser:
    """A recursive-descent reader of the text format; containers are read whole or not at all."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def _skip_blank(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def _peek(self) -> str:
        self._skip_blank()
        return self.text[self.at] if self.at < len(self.text) else ""

    def container(self) -> SchemaAndValue:
        opening = self._peek()
        self.at += 1
        return self._array() if opening == "[" else self._map()

    def _array(self) -> SchemaAndValue:
        items: list[Any] = []
        merger = _Merger()
        while True:
            c = self._peek()
            if c == "]":
                self.at += 1
                break
            if c == ",":
                raise DataException(f"Unable to parse an empty array element: {self.text}")
            if not c:
                raise DataException(f"Array is missing terminating ']': {self.text}")
            element = self._embedded()
            merger.add(element)
            items.append(None if element is None else element.value)
            c = self._peek()
            if c == ",":
                self.at += 1
            elif c != "]":
                raise DataException("Array elements missing ',' delimiter")
        common = merger.common
        if common is None:
            return SchemaAndValue(None, items)
        return SchemaAndValue(Schema.array(common), [_align(common, v) for v in items])

    def _map(self) -> SchemaAndValue:
        entries: dict[Any, Any] = {}
        keys, values = _Merger(), _Merger()
        while True:
            c = self._peek()
            if c == "}":
                self.at += 1
                break
            if c == ",":
                raise DataException(f"Unable to parse a map entry with no key or value: {self.text}")
            if not c:
                raise DataException(f"Map is missing terminating '}}': {self.text}")
            key = self._embedded()
            if key is None or key.value is None:
                raise DataException(f"Map entry may not have a null key: {self.text}")
            if self._peek() != ":":
                raise DataException(f"Map entry is missing ':' at {self.at} in {self.text}")
            self.at += 1
            value = self._embedded()
            try:
                entries[key.value] = None if value is None else value.value
            except TypeError:
                raise DataException(f"Map key {key.value!r} cannot be a dict key") from None
            keys.add(key)
            values.add(value)
            if self._peek() == ",":
                self.at += 1
        if keys.common is None or values.common is None:
            return SchemaAndValue(None, entries)
        return SchemaAndValue(
            Schema.map(keys.common, values.common),
            {_align(keys.common, k): _align(values.common, v) for k, v in entries.items()},
        )

    def _quoted(self) -> SchemaAndValue:
        out = []
        text = self.text
        i = self.at + 1
        while i < len(text):
            c = text[i]
            if c == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                self.at = i + 1
                content = "".join(out)
                return _temporal(content) or SchemaAndValue(STRING_SCHEMA, content)
            out.append(c)
            i += 1
        raise DataException(f"String is missing its closing quote: {text}")

    def _token(self) -> str:
        text = self.text
        start = i = self.at
        while i < len(text):
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c in _DELIMITERS:
                break
            i += 1
        self.at = min(i, len(text))
        return text[start : self.at].strip()

    def _embedded(self) -> SchemaAndValue | None:
        c = self._peek()
        if c == '"':
            return self._quoted()
        if c in ("[", "{"):
            return self.container()
        if c.isdigit():
            # Times and timestamps hold ':' (a delimiter), so look for them before cutting a token.
            for pattern in (_TIMESTAMP, _TIME):
                m = pattern.match(self.text, self.at)
                if m and (
                    m.end() == len(self.text) or self.text[m.end()] in _DELIMITERS or self.text[m.end()].isspace()
                ):
                    self.at = m.end()
                    return _temporal(m.group().replace("\\:", ":"))
        token = self._token()
        if token == "null":
            return None
        if token in ("true", "false"):
            return SchemaAndValue(BOOLEAN_SCHEMA, token == "true")
        parsed = (_temporal(token) if token[:1].isdigit() else None) or _number(token)
        if parsed is None:
            raise DataException(f"Failed to parse embedded value {token!r}")
        return parsed

    def at_end(self) -> bool:
        return self._peek() == ""


def parse(text: str) -> SchemaAndValue:
    """A value and its inferred schema from Kafka Connect's text format (`Values.parseString`)."""
    if not text:
        return SchemaAndValue(STRING_SCHEMA, text)
    stripped = text.strip()
    if stripped == "null":
        return _NULL
    if stripped in ("true", "false"):
        return SchemaAndValue(BOOLEAN_SCHEMA, stripped == "true")
    if stripped[:1] in ("[", "{"):
        parser = _Parser(text)
        try:
            parsed = parser.container()
            if parser.at_end():
                return parsed
        except DataException:
            pass  # not a well-formed list or map: the text is a string
    if stripped[:1].isdigit():
        temporal = _temporal(stripped.replace("\\:", ":"))
        if temporal is not None:
            return temporal
    if stripped[:1].isdigit() or stripped[:1] in ("+", "-"):
        number = _number(stripped)
        if number is not None:
            return number
    return SchemaAndValue(STRING_SCHEMA, text)
