"""What AvroConverter changes in a value: maps with non-string keys, nulls with defaults, union branches.

fastavro reads and writes the logical types (Decimal, date, time, datetime) itself; maps with
non-string keys become Confluent's arrays of key/value records; values of optional schemas are
tagged with their union branch so fastavro need not try each branch on them.
"""

from __future__ import annotations

from typing import Any

from connect.converters.plans import (
    DEFAULT,
    FAIL,
    KEEP,
    Plan,
    PlanBuilder,
    dict_values_plan,
    entries_to_dict,
    identity,
    list_plan,
    struct_copying,
    type_name,
    wrap_nulls,
)
from connect.data import Schema, Type
from connect.errors import DataException


def _no_leaf(schema: Schema) -> Plan | None:
    return None  # fastavro reads and writes the logical types itself


def _write_entries(key_plan: Plan | None, value_plan: Plan | None) -> Plan:
    kp = key_plan or identity
    vp = value_plan or identity

    def convert(value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, dict):
            raise DataException(f"Maps should be dicts, but found {type_name(value)}")
        return [{"key": kp(k), "value": vp(v)} for k, v in value.items()]

    return convert


def _entry(entry: Any) -> tuple[Any, Any]:
    return entry["key"], entry["value"]


def _read_entries(key_plan: Plan | None, value_plan: Plan | None) -> Plan:
    return lambda value: entries_to_dict(value, key_plan, value_plan, _entry)


def avro_writer_for(schema: Schema, avro: Any) -> Plan | None:
    """The plan turning a non-null Connect value into what fastavro writes fast (None when it already is).

    `avro` is the Avro schema `to_avro_schema` made of `schema`. Besides maps with non-string keys
    and defaults for nulls, values of optional schemas are tagged `(branch name, value)`: fastavro
    then picks the union branch by name instead of validating the value against each branch.
    """
    return _WriterPlans().part(schema, avro)[0]  # the caller handles a null value itself


class _WriterPlans:
    """Walks a Connect schema and its Avro schema together, so union branches are named as Avro names them."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}  # full name -> record definition, in document order

    def part(self, schema: Schema, node: Any) -> tuple[Plan | None, int, Any, str]:
        base = _branch(node) if schema.optional else node
        convert = self.base(schema, base)
        if schema.optional:  # name the union branch: fastavro would otherwise try each branch on the value
            branch = self.record_name(base) or (base["type"] if isinstance(base, dict) else base)
            inner = convert
            convert = (lambda v: (branch, v)) if inner is None else (lambda v: (branch, inner(v)))
        default = schema.default
        if default is not None and convert is not None:
            default = convert(default)
        on_null = DEFAULT if default is not None else KEEP if schema.optional else FAIL
        return convert, on_null, default, "Conversion error: null value for field that is required and has no default"

    def plan(self, schema: Schema, node: Any) -> Plan | None:
        convert, on_null, default, message = self.part(schema, node)
        if convert is None and on_null != DEFAULT:
            return None
        return wrap_nulls(convert, on_null, default, message)

    def record_name(self, node: Any) -> str | None:
        if isinstance(node, dict) and node.get("type") == "record":
            full = f"{node['namespace']}.{node['name']}" if node.get("namespace") else node["name"]
            self.records.setdefault(full, node)
            return full
        if isinstance(node, str) and node in self.records:
            return node
        return None

    def base(self, schema: Schema, node: Any) -> Plan | None:
        if schema.type is Type.STRUCT:
            record = self.records.get(node) if isinstance(node, str) else node
            self.record_name(record)
            assert record is not None, f"no Avro record {node}"
            types = {f["name"]: f["type"] for f in record["fields"]}
            fields = []
            for f in schema.fields:
                convert, on_null, default, message = self.part(f.schema, types[f.name])
                if convert is not None or on_null == DEFAULT:
                    fields.append((f.name, convert, on_null, default, message))
            return struct_copying(fields, schema) if fields else None
        if schema.type is Type.ARRAY:
            assert schema.value_schema is not None
            item = self.plan(schema.value_schema, node["items"])
            return None if item is None else list_plan(item)
        if schema.type is Type.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            if node.get("type") == "map":
                values = self.plan(schema.value_schema, node["values"])
                return None if values is None else dict_values_plan(values)
            entry = self.records.get(node["items"]) if isinstance(node["items"], str) else node["items"]
            self.record_name(entry)
            assert entry is not None, f"no Avro record {node['items']}"
            types = {f["name"]: f["type"] for f in entry["fields"]}
            return _write_entries(
                self.plan(schema.key_schema, types["key"]), self.plan(schema.value_schema, types["value"])
            )
        return None


def _branch(union: Any) -> Any:
    """The non-null branch of an optional schema's union."""
    return next(b for b in union if b != "null") if isinstance(union, list) else union


def avro_reader_for(schema: Schema) -> Plan | None:
    """The plan turning what fastavro read into the Connect value (None when it already is)."""
    return PlanBuilder(
        _no_leaf, _read_entries, writing=False, replace_null_with_default=False, convert_default=False
    ).build(schema)
