"""Debezium's column mappers: truncate, mask or hash string columns, propagate source types to schema parameters.

Rules come from `column.truncate.to.N.chars`, `column.mask.with.N.chars`, `column.propagate.source.type`,
`datatype.propagate.source.type`, `column.mask.hash.ALG.with.salt.SALT` and `column.mask.hash.v2.ALG.with.salt.SALT`
(each a list of regular expressions of `schema.table.column`, or `schema.table.type` for datatypes), and as in
Debezium the first rule matching a column is the only one applied to it, in that order of kinds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connect.errors import ConfigException
from connectors.postgres.types import PgType, TypeLookup

MAX_LENGTH = 2147483647
#: Types Debezium's JDBC layer sees as character strings (the only ones masking and truncation touch).
_STRING_TYPES = {25, 1043, 1042, 18, 19}

_TRUNCATE = re.compile(r"column\.truncate\.to\.(\d+)\.chars")
_MASK = re.compile(r"column\.mask\.with\.(\d+)\.chars")
_HASH = re.compile(r"column\.mask\.hash\.(v2\.)?([^.]+)\.with\.salt\.(.+)")
PATTERN_KEYS = (_TRUNCATE, _MASK, _HASH)

Convert = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class SourceType:
    """What Debezium's JDBC metadata says about a column: type name, length and scale."""

    name: str
    length: int | None
    scale: int | None


@dataclass(frozen=True, slots=True)
class ColumnRule:
    kind: str  # truncate | mask | propagate | datatype | hash
    patterns: tuple[re.Pattern[str], ...]
    size: int = 0
    algorithm: str = ""
    salt: bytes = b""
    v2: bool = False

    def matches(self, full: str) -> bool:
        return any(p.fullmatch(full) for p in self.patterns)


def is_pattern_key(name: str) -> bool:
    return any(p.fullmatch(name) for p in PATTERN_KEYS)


def _hash_name(algorithm: str) -> str:
    """A Java MessageDigest name (SHA-256, MD5, SHA3-512...) → hashlib's."""
    name = algorithm.lower().replace("-", "")
    if name.startswith("sha3"):
        name = "sha3_" + name[4:].lstrip("_")
    if name.startswith("sha512/"):
        name = "sha512_" + name[7:]
    return name


def _patterns(name: str, value: Any) -> tuple[re.Pattern[str], ...]:
    items = value if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
    try:
        return tuple(re.compile(p, re.IGNORECASE) for p in items if p)
    except re.error as exc:
        raise ConfigException(name, value, f"Invalid regular expression: {exc}") from None


def column_rules(props: Mapping[str, Any]) -> list[ColumnRule]:
    """The rules of a config, in Debezium's order of precedence; raises ConfigException naming a bad key."""
    kinds: dict[str, list[ColumnRule]] = {"truncate": [], "mask": [], "propagate": [], "datatype": [], "hash": []}
    for name, value in props.items():
        if value is None or value == "" or value == []:
            continue
        if m := _TRUNCATE.fullmatch(name):
            kinds["truncate"].append(ColumnRule("truncate", _patterns(name, value), int(m.group(1))))
        elif m := _MASK.fullmatch(name):
            kinds["mask"].append(ColumnRule("mask", _patterns(name, value), int(m.group(1))))
        elif m := _HASH.fullmatch(name):
            algorithm = _hash_name(m.group(2))
            if algorithm not in hashlib.algorithms_available:
                raise ConfigException(name, value, f"Unknown hash algorithm {m.group(2)}")
            salt = m.group(3).encode()
            kinds["hash"].append(ColumnRule("hash", _patterns(name, value), 0, algorithm, salt, bool(m.group(1))))
    for key, kind in (("column.propagate.source.type", "propagate"), ("datatype.propagate.source.type", "datatype")):
        if props.get(key):
            kinds[kind].append(ColumnRule(kind, _patterns(key, props[key])))
    return [rule for rules in kinds.values() for rule in rules]


# -- source types -----------------------------------------------------------------------------
_FIXED = {21: (5, 0), 23: (10, 0), 20: (19, 0), 26: (10, 0), 16: (1, 0), 700: (8, 8), 701: (17, 17), 1082: (13, 0)}
_FIXED.update({18: (1, 0), 1186: (49, 6)})


def _length_scale(oid: int, typmod: int) -> tuple[int | None, int | None]:
    if oid in _FIXED:
        return _FIXED[oid]
    precision = 6 if typmod < 0 else typmod
    fraction = precision + 1 if precision > 0 else 0
    match oid:
        case 1700:
            if typmod < 4:
                return 0, None
            return ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
        case 1043 | 1042 | 1560 | 1562:
            if typmod <= 0:
                return MAX_LENGTH, 0
            return (typmod - 4 if oid in (1043, 1042) else typmod), 0
        case 1083:
            return 8 + fraction, precision
        case 1266:
            return 14 + fraction, precision
        case 1114:
            return 22 + fraction, precision
        case 1184:
            return 28 + fraction, precision
    return MAX_LENGTH, 0


def source_type(oid: int, typmod: int, lookup: TypeLookup, streaming: bool = False) -> SourceType:
    """Debezium's `__debezium.source.column.*` of a column of type `oid` (JDBC's precision and scale; a
    numeric without precision reads differently in the stream)."""
    if oid == 1700 and typmod < 4 and streaming:
        return SourceType("NUMERIC", 131089, 0)
    info: PgType | None = lookup(oid)
    name = (info.name if info is not None else str(oid)).upper()
    if info is not None and info.kind == "d" and info.base:
        length, scale = _length_scale(info.base, typmod if typmod >= 0 else info.typmod)
        return SourceType(name, length, scale)
    if info is not None and info.category == "A" and info.element:
        element = lookup(info.element)
        if element is not None and element.kind == "d":
            return SourceType(name, MAX_LENGTH, 0)
        if info.element == 1700 and typmod < 4:
            return SourceType(name, 131089, 0)
        length, scale = _length_scale(info.element, typmod)
        return SourceType(name, length, scale)
    length, scale = _length_scale(oid, typmod)
    return SourceType(name, length, scale)


# -- applying rules -----------------------------------------------------------------------------
def _java_serialized(text: str) -> bytes:
    """The bytes java.io.ObjectOutputStream writes for a String (what Debezium's v1 hashing digests)."""
    body = bytearray()
    units = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(units), 2):
        ch = units[i] << 8 | units[i + 1]
        if 0 < ch < 0x80:
            body.append(ch)
        elif ch < 0x800:
            body += bytes((0xC0 | ch >> 6, 0x80 | ch & 0x3F))
        else:
            body += bytes((0xE0 | ch >> 12, 0x80 | ch >> 6 & 0x3F, 0x80 | ch & 0x3F))
    return b"\xac\xed\x00\x05t" + len(body).to_bytes(2, "big") + bytes(body)


def _hasher(rule: ColumnRule, length: int | None) -> Convert:
    def convert(value: Any) -> str:
        raw = str(value).encode() if rule.v2 else _java_serialized(str(value))
        digest = hashlib.new(rule.algorithm, rule.salt + raw).hexdigest()
        return digest[:length] if length and length > 0 else digest

    return convert


def _truncate(size: int) -> Convert:
    """Java's substring: the first `size` UTF-16 code units (a pair cut in half leaves a lone surrogate, which
    JsonConverter writes as its \\u escape, as Kafka Connect's Jackson does)."""

    def convert(value: Any) -> Any:
        if not isinstance(value, str) or len(value) <= size // 2:
            return value
        units = value.encode("utf-16-le", "surrogatepass")
        if len(units) <= 2 * size:
            return value
        return units[: 2 * size].decode("utf-16-le", "surrogatepass")

    return convert


class _Mask:
    """A mask replaces every value, null included (Debezium masks the nulls of a key-only old row too)."""

    accepts_null = True

    def __init__(self, size: int) -> None:
        self.mask = "*" * size

    def __call__(self, _: Any) -> str:
        return self.mask


def _mask(size: int) -> Convert:
    return _Mask(size)


@dataclass(frozen=True, slots=True)
class ColumnChange:
    """What a rule does to one column: schema parameters to add, and a conversion applied after the type's."""

    parameters: Mapping[str, str]
    convert: Convert | None


def column_change(
    rules: Sequence[ColumnRule],
    schema: str,
    table: str,
    column: str,
    oid: int,
    typmod: int,
    lookup: TypeLookup,
    streaming: bool = False,
) -> ColumnChange | None:
    """The change the first matching rule makes to this column (None: none matches)."""
    source = source_type(oid, typmod, lookup, streaming)
    string = oid in _STRING_TYPES
    for rule in rules:
        target = f"{schema}.{table}.{source.name}" if rule.kind == "datatype" else f"{schema}.{table}.{column}"
        if not rule.matches(target):
            continue
        if rule.kind in ("propagate", "datatype"):
            params = {"__debezium.source.column.type": source.name}
            if source.length is not None:
                params["__debezium.source.column.length"] = str(source.length)
            if source.scale is not None:
                params["__debezium.source.column.scale"] = str(source.scale)
            params["__debezium.source.column.name"] = column
            return ColumnChange(params, None)
        if rule.kind == "truncate":
            possible = source.length is None or source.length < 0 or source.length > rule.size
            if not possible:
                return ColumnChange({}, None)
            return ColumnChange({"truncateLength": str(rule.size)}, _truncate(rule.size) if string else None)
        if rule.kind == "mask":
            return ColumnChange({"masked": "true"}, _mask(rule.size) if string else None)
        return ColumnChange({"masked": "true"}, _hasher(rule, source.length) if string else None)
    return None
