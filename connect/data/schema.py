"""Kafka Connect's schema model: types, struct fields, optionality, defaults, names and parameters.

Values stay plain Python values (dicts for structs, lists, scalars); a Schema only describes
them. Schemas are immutable and compared structurally, so converters can cache what they
derive from one (its JSON form, an Avro schema) and reuse it for every record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, cast

from connect.errors import DataException


class Type(StrEnum):
    """Kafka Connect schema types, spelled as in the JSON schema envelope."""

    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT32 = "float"
    FLOAT64 = "double"
    BOOLEAN = "boolean"
    STRING = "string"
    BYTES = "bytes"
    ARRAY = "array"
    MAP = "map"
    STRUCT = "struct"

    @property
    def is_primitive(self) -> bool:
        return self not in (Type.ARRAY, Type.MAP, Type.STRUCT)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a struct schema; `index` is its position."""

    name: str
    schema: Schema
    index: int = 0


@dataclass(frozen=True, slots=True, eq=True)
class Schema:
    """An immutable Kafka Connect schema.

    >>> s = Schema.struct("user", [("id", INT64_SCHEMA), ("email", OPTIONAL_STRING_SCHEMA)])
    >>> s.field("email").schema.optional
    True
    """

    type: Type
    optional: bool = False
    default: Any = None
    name: str | None = None
    version: int | None = None
    doc: str | None = None
    parameters: Mapping[str, str] | None = None
    fields: tuple[Field, ...] = ()
    key_schema: Schema | None = None
    value_schema: Schema | None = None
    _by_name: Mapping[str, Field] = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        if self.type is Type.STRUCT:
            object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        elif self.fields:
            raise DataException(f"only struct schemas have fields, not {self.type}")
        if self.type is Type.ARRAY and self.value_schema is None:
            raise DataException("an array schema needs a value schema")
        if self.type is Type.MAP and (self.key_schema is None or self.value_schema is None):
            raise DataException("a map schema needs a key schema and a value schema")

    def __hash__(self) -> int:
        return hash(
            (self.type, self.optional, self.name, self.version, self.fields, self.key_schema, self.value_schema)
        )

    # -- builders -------------------------------------------------------------------------
    @staticmethod
    def struct(
        name: str | None,
        fields: Sequence[tuple[str, Schema] | Field],
        *,
        optional: bool = False,
        version: int | None = None,
        doc: str | None = None,
        parameters: Mapping[str, str] | None = None,
        default: Any = None,
    ) -> Schema:
        built: list[Field] = []
        for i, f in enumerate(fields):
            if isinstance(f, Field):
                built.append(Field(f.name, f.schema, i))
            else:
                built.append(Field(f[0], f[1], i))
        names = [f.name for f in built]
        if len(set(names)) != len(names):
            raise DataException(f"duplicate field names in struct {name}: {names}")
        return Schema(Type.STRUCT, optional, default, name, version, doc, parameters, tuple(built))

    @staticmethod
    def array(value_schema: Schema, *, optional: bool = False, name: str | None = None, default: Any = None) -> Schema:
        return Schema(Type.ARRAY, optional, default, name, value_schema=value_schema)

    @staticmethod
    def map(
        key_schema: Schema,
        value_schema: Schema,
        *,
        optional: bool = False,
        name: str | None = None,
        default: Any = None,
    ) -> Schema:
        return Schema(Type.MAP, optional, default, name, key_schema=key_schema, value_schema=value_schema)

    def with_(self, **changes: Any) -> Schema:
        """A copy with some attributes changed (optional, name, version, parameters...)."""
        attrs = {
            "type": self.type,
            "optional": self.optional,
            "default": self.default,
            "name": self.name,
            "version": self.version,
            "doc": self.doc,
            "parameters": self.parameters,
            "fields": self.fields,
            "key_schema": self.key_schema,
            "value_schema": self.value_schema,
        }
        attrs.update(changes)
        return Schema(**attrs)

    def as_optional(self) -> Schema:
        return self if self.optional else self.with_(optional=True)

    # -- accessors ------------------------------------------------------------------------
    def field(self, name: str) -> Field:
        try:
            return self._by_name[name]
        except KeyError:
            raise DataException(f"{name!r} is not a field of struct {self.name or '<unnamed>'}") from None

    def has_field(self, name: str) -> bool:
        return name in self._by_name

    def validate(self, value: Any, path: str = "") -> None:
        """Raise DataException when `value` does not fit this schema (used off the hot path)."""
        where = path or self.name or str(self.type)
        if value is None:
            if not self.optional and self.default is None:
                raise DataException(f"{where}: null value for a required {self.type} field")
            return
        logical = LOGICAL_PYTHON_TYPES.get(self.name or "")
        if logical is not None:
            if not isinstance(value, logical):
                raise DataException(f"{where}: expected {logical} for {self.name}, got {type(value).__name__}")
            return
        expected = PYTHON_TYPES[self.type]
        if not isinstance(value, expected) or (isinstance(value, bool) and self.type not in (Type.BOOLEAN,)):
            raise DataException(f"{where}: expected {self.type}, got {type(value).__name__}")
        value = cast(Any, value)  # checked against the schema's type above
        if self.type is Type.STRUCT:
            for f in self.fields:
                self.fields[f.index].schema.validate(value.get(f.name), f"{where}.{f.name}")
        elif self.type is Type.ARRAY:
            assert self.value_schema is not None
            for i, item in enumerate(value):
                self.value_schema.validate(item, f"{where}[{i}]")
        elif self.type is Type.MAP:
            assert self.key_schema is not None and self.value_schema is not None
            for k, v in value.items():
                self.key_schema.validate(k, f"{where}.<key>")
                self.value_schema.validate(v, f"{where}[{k!r}]")


class SchemaAndValue(NamedTuple):
    """What a converter reads back: a schema (None when schemaless) and a plain value."""

    schema: Schema | None
    value: Any


INT8_SCHEMA = Schema(Type.INT8)
INT16_SCHEMA = Schema(Type.INT16)
INT32_SCHEMA = Schema(Type.INT32)
INT64_SCHEMA = Schema(Type.INT64)
FLOAT32_SCHEMA = Schema(Type.FLOAT32)
FLOAT64_SCHEMA = Schema(Type.FLOAT64)
BOOLEAN_SCHEMA = Schema(Type.BOOLEAN)
STRING_SCHEMA = Schema(Type.STRING)
BYTES_SCHEMA = Schema(Type.BYTES)
OPTIONAL_INT8_SCHEMA = Schema(Type.INT8, optional=True)
OPTIONAL_INT16_SCHEMA = Schema(Type.INT16, optional=True)
OPTIONAL_INT32_SCHEMA = Schema(Type.INT32, optional=True)
OPTIONAL_INT64_SCHEMA = Schema(Type.INT64, optional=True)
OPTIONAL_FLOAT32_SCHEMA = Schema(Type.FLOAT32, optional=True)
OPTIONAL_FLOAT64_SCHEMA = Schema(Type.FLOAT64, optional=True)
OPTIONAL_BOOLEAN_SCHEMA = Schema(Type.BOOLEAN, optional=True)
OPTIONAL_STRING_SCHEMA = Schema(Type.STRING, optional=True)
OPTIONAL_BYTES_SCHEMA = Schema(Type.BYTES, optional=True)

PYTHON_TYPES: dict[Type, type | tuple[type, ...]] = {
    Type.INT8: int,
    Type.INT16: int,
    Type.INT32: int,
    Type.INT64: int,
    Type.FLOAT32: (float, int),
    Type.FLOAT64: (float, int),
    Type.BOOLEAN: bool,
    Type.STRING: str,
    Type.BYTES: (bytes, bytearray, memoryview),
    Type.ARRAY: (list, tuple),
    Type.MAP: dict,
    Type.STRUCT: dict,
}

# Filled by connect.data.logical to avoid an import cycle.
LOGICAL_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {}
