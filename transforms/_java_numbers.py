"""Java's numeric conversions, which Cast and MaskField reproduce: narrowing wraps, float→int saturates."""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal

from connect.converters.values import java_double
from connect.data import Type

INT_BITS = {Type.INT8: 8, Type.INT16: 16, Type.INT32: 32, Type.INT64: 64}
_BIG_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_JAVA_DOUBLE = re.compile(r"\s*[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)\s*")
_JAVA_INT = re.compile(r"[+-]?[0-9]+")


def wrap(value: int, bits: int) -> int:
    """The low `bits` bits of an integer as a signed number (Java's narrowing of integers)."""
    half = 1 << (bits - 1)
    return ((value + half) & ((1 << bits) - 1)) - half


def float_to_int(value: float | Decimal, bits: int) -> int:
    """Java's `(byte|short|int|long) double`: NaN is 0, saturating at int (or long) bounds, then wrapping."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 64:
            return 0  # a multiple of 2**64: its low-order bits are all zero (and int() would be huge)
        return wrap(int(value), bits)  # BigDecimal narrowing keeps the low-order bits
    if math.isnan(value):
        return 0
    wide = 64 if bits == 64 else 32
    bound = 1 << (wide - 1)
    whole = -bound if value == -math.inf else bound - 1 if value == math.inf else int(value)
    return wrap(max(-bound, min(bound - 1, whole)), bits)


def to_float32(value: float) -> float:
    """The nearest float32 (infinity beyond its range), as Java's `floatValue()`."""
    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def int_to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def parse_big_decimal(text: str) -> Decimal:
    """`new BigDecimal(text)`: ValueError for anything that is not a plain decimal literal."""
    if not _BIG_DECIMAL.fullmatch(text):
        raise ValueError(f"Character array is not a valid decimal number: {text!r}")
    return Decimal(text)


def parse_int(text: str, bits: int) -> int:
    """`Byte/Short/Integer/Long.parseXxx(text)`: ValueError when it is not an integer within range."""
    if not _JAVA_INT.fullmatch(text):
        raise ValueError(f'For input string: "{text}"')
    value = int(text)
    if wrap(value, bits) != value:
        raise ValueError(f'Value out of range. Value:"{text}" Radix:10')
    return value


def parse_double(text: str) -> float:
    """`Double.parseDouble(text)`: surrounding blanks, NaN, Infinity and a d/f suffix allowed."""
    if not _JAVA_DOUBLE.fullmatch(text):
        raise ValueError(f'For input string: "{text}"')
    return float(text.strip().rstrip("fFdD"))


def float32_text(value: float) -> str:
    """A float32 as Java's `Float.toString` prints it: the fewest digits that read back as the same float32."""
    if math.isnan(value) or math.isinf(value) or value == 0:
        return java_double(value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if to_float32(float(text)) == value:
            return java_double(float(text))
    return java_double(value)
