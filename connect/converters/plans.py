"""Value plans: per-schema functions that convert only the parts of a value a format needs changed.

A converter gives `PlanBuilder` its leaf conversions (e.g. base64 for bytes, days for a Date)
and how it lays out maps with non-string keys; `build(schema)` returns a function applying
them through structs, arrays and maps, or None when nothing in the schema needs converting,
so the hot path touches a value only when its schema requires it. Nulls become the schema's
default (when `replace_null_with_default`), stay null when optional, or fail when required.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connect.data import Schema, Type
from connect.errors import DataException

Plan = Callable[[Any], Any]
Leaf = Callable[[Schema], Plan | None]
Pairs = Callable[[Plan | None, Plan | None], Plan]


def type_name(value: Any) -> str:
    return type(value).__name__


class PlanBuilder:
    """Compiles value plans for one direction of one format.

    `writing` plans copy a struct before changing it (the caller's value stays intact);
    reading plans fill in the freshly parsed dict in place.
    """

    def __init__(
        self,
        leaf: Leaf,
        pairs: Pairs,
        *,
        writing: bool,
        replace_null_with_default: bool = True,
        convert_default: bool = True,
    ) -> None:
        self._leaf = leaf
        self._pairs = pairs
        self._writing = writing
        self._replace_null = replace_null_with_default
        self._convert_default = convert_default  # a schema default is a Connect value: convert it when writing

    def build(self, schema: Schema, *, nulls: bool = True) -> Plan | None:
        """The plan for values of `schema`; with `nulls=False`, for values the caller knows are not null."""
        part = self._part(schema)
        if part is None:
            return None
        return wrap_nulls(*part) if nulls else part[0]

    def _part(self, schema: Schema) -> Part | None:
        """How values of `schema` convert and what a null becomes; None when nothing needs doing."""
        plan = self._leaf(schema)
        if plan is None:
            plan = self._container(schema)
        default = schema.default
        if default is not None and plan is not None and self._convert_default:
            default = plan(default)
        replace = default is not None and self._replace_null
        if plan is None and not replace:
            return None  # None passes through unchecked: the fast path does not validate
        on_null = DEFAULT if replace else KEEP if schema.optional else FAIL
        message = (
            "Conversion error: null value for field that is required and has no default value"
            if self._writing
            else f"Invalid null value for required {schema.type} field"
        )
        return plan, on_null, default, message

    def _container(self, schema: Schema) -> Plan | None:
        if schema.type is Type.ARRAY:
            assert schema.value_schema is not None
            item = self.build(schema.value_schema)
            return None if item is None else list_plan(item)
        if schema.type is Type.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            key_plan = self.build(schema.key_schema)
            value_plan = self.build(schema.value_schema)
            if schema.key_schema.type is not Type.STRING:
                return self._pairs(key_plan, value_plan)
            return None if value_plan is None else dict_values_plan(value_plan)
        if schema.type is Type.STRUCT:
            fields = [(f.name, *p) for f in schema.fields if (p := self._part(f.schema)) is not None]
            if not fields:
                return None
            return struct_copying(fields, schema) if self._writing else _struct_in_place(fields)
        return None


KEEP, DEFAULT, FAIL = 0, 1, 2  # what a null becomes: null, the default, a DataException
Part = tuple[Plan | None, int, Any, str]  # convert (non-null values), on null, default, message on failure


def wrap_nulls(convert: Plan | None, on_null: int, default: Any, message: str) -> Plan:
    """One function applying a part to a value, null included (one call per value, no more)."""
    if on_null == DEFAULT:
        if convert is None:
            return lambda v: default if v is None else v
        return lambda v: default if v is None else convert(v)
    fn: Plan = convert or identity
    if on_null == KEEP:
        return lambda v: None if v is None else fn(v)

    def required(v: Any) -> Any:
        if v is None:
            raise DataException(message)
        return fn(v)

    return required


def struct_copying(fields: list[tuple[str, Plan | None, int, Any, str]], schema: Schema) -> Plan:
    """Apply the field parts inline; copy the dict only when a field actually changes."""

    def convert(value: Any) -> Any:
        out = None
        for name, field_convert, on_null, default, message in fields:
            try:
                old = value.get(name)
            except AttributeError:  # cheaper than checking the type of every struct up front
                raise DataException(
                    f"Struct {schema.name or ''} should be a dict, but found {type_name(value)}"
                ) from None
            if old is None:
                if on_null == KEEP:
                    continue
                if on_null == FAIL:
                    raise DataException(message)
                new = default
            elif field_convert is None:
                continue
            else:
                new = field_convert(old)
                if new is old:
                    continue
            if out is None:
                out = dict(value)
            out[name] = new
        return value if out is None else out

    return convert


def _struct_in_place(fields: list[tuple[str, Plan | None, int, Any, str]]) -> Plan:
    def convert(value: Any) -> Any:
        if type(value) is not dict:
            raise DataException(f"Structs should be encoded as objects, but found {type_name(value)}")
        for name, field_convert, on_null, default, message in fields:
            old = value.get(name)
            if old is None:
                if on_null == DEFAULT:
                    value[name] = default
                elif on_null == FAIL:
                    raise DataException(message)
            elif field_convert is not None:
                value[name] = field_convert(old)
        return value

    return convert


def list_plan(item: Plan) -> Plan:
    def convert(value: Any) -> list[Any]:
        if not isinstance(value, (list, tuple)):
            raise DataException(f"Arrays should be lists, but found {type_name(value)}")
        return [item(v) for v in value]

    return convert


def dict_values_plan(value_plan: Plan) -> Plan:
    def convert(value: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise DataException(f"Maps with string keys should be objects, but found {type_name(value)}")
        return {k: value_plan(v) for k, v in value.items()}

    return convert


def identity(value: Any) -> Any:
    return value


def entries_to_dict(
    entries: Any, key_plan: Plan | None, value_plan: Plan | None, split: Callable[[Any], tuple[Any, Any]]
) -> dict[Any, Any]:
    """A map read back from a list of entries (JSON [k, v] pairs, Avro key/value records)."""
    kp = key_plan or identity
    vp = value_plan or identity
    out: dict[Any, Any] = {}
    for entry in entries:
        k, v = split(entry)
        key = kp(k)
        try:
            out[key] = vp(v)
        except TypeError:
            raise DataException(f"Map key of type {type_name(key)} cannot be a Python dict key") from None
    return out
