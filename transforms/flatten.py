"""Flatten: turns nested structs (or maps) into one level, joining field names with a delimiter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from connect.config import ConfigDef, Importance, Type
from connect.data import Schema
from connect.data import Type as SchemaType
from connect.errors import DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    PartTransform,
    R,
    require_map,
    require_struct,
    schema_cache,
    struct_basics,
    type_name,
    variants,
)

PURPOSE = "flattening"
_LEAF_TYPES = (bool, int, float, str, bytes, bytearray, Decimal, dt.date, dt.time, list, tuple)

Step = tuple[str, Any]  # field name, the field's default (used when the field is null)


class _Plan:
    __slots__ = ("leaves", "schema")

    def __init__(self, schema: Schema, leaves: tuple[tuple[str, tuple[Step, ...]], ...]) -> None:
        self.schema = schema
        self.leaves = leaves


class Flatten(PartTransform):
    config_def: ClassVar[ConfigDef] = ConfigDef().define(
        "delimiter",
        Type.STRING,
        ".",
        Importance.MEDIUM,
        "Delimiter to insert between field names from the input record when generating field names for the "
        "output record",
    )
    doc: ClassVar[str] = """
        Flattens the nested structs (with a schema) or maps (without) of the record {part} into one level.
        Each field is named by the names on its path joined with `delimiter`: `{"address": {"city": "Oslo"}}`
        becomes `{"address_city": "Oslo"}` here. Arrays and their contents are left as they are; a map inside
        a struct is an error; a null {part} passes through.

        ```
        transforms=flat
        transforms.flat.type=Flatten${Part}
        transforms.flat.delimiter=_
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._delimiter: str = config["delimiter"]
        self._plans = schema_cache(self._plan)

    def _name(self, prefix: str, name: str) -> str:
        return name if not prefix else prefix + self._delimiter + name

    def _plan(self, schema: Schema) -> _Plan:
        fields: list[tuple[str, Schema]] = []
        leaves: list[tuple[str, tuple[Step, ...]]] = []

        def walk(struct: Schema, prefix: str, path: tuple[Step, ...], optional: bool, parent_default: Any) -> None:
            for f in struct.fields:
                name = self._name(prefix, f.name)
                is_optional = optional or f.schema.optional
                default = f.schema.default
                if default is None and isinstance(parent_default, dict):
                    default = parent_default.get(f.name)
                step = (*path, (f.name, f.schema.default))
                if f.schema.type is SchemaType.STRUCT:
                    walk(f.schema, name, step, is_optional, default)
                elif f.schema.type is SchemaType.MAP:
                    raise DataException(
                        f"Flatten transformation does not support MAP for record with schemas (for field {name})."
                    )
                else:
                    same = f.schema.optional == is_optional and f.schema.default is default
                    fields.append((name, f.schema if same else f.schema.with_(optional=is_optional, default=default)))
                    leaves.append((name, step))

        walk(schema, "", (), schema.optional, schema.default)
        return _Plan(Schema.struct(fields=fields, **struct_basics(schema)), tuple(leaves))

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        if value is None:
            return record
        if schema is None:
            return self.part.put(record, None, self._flatten_map(require_map(value, PURPOSE)))
        require_struct(schema, value, PURPOSE)
        plan = self._plans.get(schema)
        flat = {}
        for name, path in plan.leaves:
            current: Any = value
            for step, default in path:
                if not isinstance(current, dict):
                    raise DataException(
                        f"Flatten: a struct was expected on the way to field {name}, found {type_name(current)}"
                    )
                current = current.get(step)
                if current is None:
                    current = default
                    if current is None:
                        break
            flat[name] = current
        return self.part.put(record, plan.schema, flat)

    def _flatten_map(self, value: dict) -> dict:
        flat: dict[Any, Any] = {}
        stack = [("", iter(value.items()))]  # an explicit stack: nesting depth is the data's to choose
        while stack:
            prefix, items = stack[-1]
            for key, item in items:
                if prefix and not isinstance(key, str):
                    raise DataException(f"Flatten: map key {key!r} under {prefix} is not a string")
                name = self._name(prefix, key) if prefix else key
                if isinstance(item, dict):
                    stack.append((name if isinstance(name, str) else str(name), iter(item.items())))
                    break
                if item is not None and not isinstance(item, _LEAF_TYPES):
                    raise DataException(
                        f"Flatten transformation was passed a value of type {type_name(item)} "
                        f"which is not supported by Connect's data API (for field {name})"
                    )
                flat[name] = item
            else:
                stack.pop()
        return flat


FlattenKey, FlattenValue = variants(Flatten, KAFKA_TRANSFORMS + "Flatten")
