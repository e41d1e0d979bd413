"""Debezium's forms of non-temporal Postgres values: decimals, money, bit strings, hstore."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connect.data.logical import twos_complement_length


# -- numbers ---------------------------------------------------------------------------------------
def finite_decimal(value: Decimal) -> Decimal:
    """A numeric Connect can carry; NaN and ±Infinity fail (Debezium then writes null)."""
    if not value.is_finite():
        raise ValueError(f"{value} has no Decimal form")
    return value


def variable_scale_decimal(text: str) -> dict[str, Any]:
    """A numeric's text → VariableScaleDecimal {scale, unscaled big-endian two's complement}, trailing zeros
    stripped as Debezium does (1.10 → scale 1, 100 → scale 0)."""
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    try:
        unscaled = int(whole + frac)
    except ValueError:  # NaN, Infinity: not representable
        raise ValueError(f"{text} has no VariableScaleDecimal form") from None
    return {"scale": len(frac), "value": unscaled.to_bytes(twos_complement_length(unscaled), "big", signed=True)}


_SPECIAL_NAMES = {"NaN": "NAN", "Infinity": "POSITIVE_INFINITY", "-Infinity": "NEGATIVE_INFINITY"}


def decimal_string(value: Decimal) -> str:
    """decimal.handling.mode=string: the plain digits; NaN and infinities by Debezium's names for them."""
    return format(value, "f") if value.is_finite() else _SPECIAL_NAMES[str(value)]


def finite_decimal_double(value: Decimal) -> float:
    """An array element in double mode: NaN and infinities fail the array, as in Debezium."""
    return float(finite_decimal(value))


def finite_decimal_string(value: Decimal) -> str:
    """An array element in string mode: NaN and infinities fail the array, as in Debezium."""
    return format(finite_decimal(value), "f")


def decimal_double(value: Decimal) -> float:
    return float(value)


def money_value(text: str) -> Decimal:
    """money's text ('-$1,234.50', '($5.00)') → its Decimal."""
    negative = text.startswith("-") or text.startswith("(")
    value = Decimal("".join(ch for ch in text if ch.isdigit() or ch == "."))
    return -value if negative else value


def money(digits: int) -> Callable[[str], Decimal]:
    """money → a Decimal with `digits` fraction digits (money.fraction.digits, for decimal.handling.mode=precise)."""
    quantum = Decimal(1).scaleb(-digits)
    return lambda text: money_value(text).quantize(quantum, ROUND_HALF_UP)


# -- bit strings -----------------------------------------------------------------------------------
def bit_boolean(text: str) -> bool:
    return int(text, 2) != 0


def bits(text: str) -> bytes:
    """io.debezium.data.Bits: the bit string as a little-endian number, in as few bytes as its highest set bit needs."""
    value = int(text, 2) if text else 0
    return value.to_bytes((value.bit_length() + 7) // 8, "little")


# -- hstore ----------------------------------------------------------------------------------------
def hstore_pairs(text: str) -> dict[str, str | None]:
    """hstore's text ('"a"=>"1", "b"=>NULL') → its pairs, in the order printed."""
    out: dict[str, str | None] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,":
            i += 1
        if i >= n:
            break
        key, i = _hstore_token(text, i)
        i = text.index("=>", i) + 2
        while text[i] == " ":
            i += 1
        if text.startswith("NULL", i):
            value: str | None = None
            i += 4
        else:
            value, i = _hstore_token(text, i)
        out[key] = value
    return out


def _hstore_token(text: str, i: int) -> tuple[str, int]:
    if text[i] != '"':
        raise ValueError(f"unexpected hstore text at {i}: {text!r}")
    chars = []
    i += 1
    while text[i] != '"':
        if text[i] == "\\":
            i += 1
        chars.append(text[i])
        i += 1
    return "".join(chars), i + 1


def _java_hash(key: str) -> int:
    """java.lang.String.hashCode (over UTF-16 code units), spread as java.util.HashMap.hash does."""
    data = key.encode("utf-16-be")
    h = 0
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h ^ (h >> 16)


def java_hashmap_capacity(size: int, capacity: int = 16) -> int:
    """The table size of a java.util.HashMap holding `size` entries (tables only grow, even when cleared)."""
    while size > capacity * 3 // 4:
        capacity *= 2
    return capacity


def java_hashmap_order(pairs: Mapping[str, Any], capacity: int = 16) -> list[str]:
    """The keys in the order a java.util.HashMap filled in this order iterates them (Debezium builds one)."""
    mask = java_hashmap_capacity(len(pairs), capacity) - 1
    return sorted(pairs, key=lambda k: _java_hash(k) & mask)


def hstore_map(text: str) -> dict[str, str | None]:
    pairs = hstore_pairs(text)
    return {k: pairs[k] for k in java_hashmap_order(pairs)}


def hstore_json(text: str) -> str:
    """hstore.handling.mode=json: the pairs as the JSON text Debezium's Jackson generator writes."""
    pairs = hstore_map(text)
    return (
        "{" + ",".join(f"{_json_string(k)}:{'null' if v is None else _json_string(v)}" for k, v in pairs.items()) + "}"
    )


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _json_string(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(ch) or (f"\\u{ord(ch):04X}" if ord(ch) < 0x20 else ch) for ch in text) + '"'


# -- binary ----------------------------------------------------------------------------------------
def binary(mode: str) -> Callable[[bytes], Any] | None:
    """bytea under binary.handling.mode (None: the bytes as they are)."""
    if mode == "base64":
        return lambda v: base64.b64encode(v).decode("ascii")
    if mode == "base64-url-safe":
        return lambda v: base64.urlsafe_b64encode(v).decode("ascii")
    if mode == "hex":
        return lambda v: v.hex()
    return None
