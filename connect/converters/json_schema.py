"""Connect schemas in Kafka Connect's JSON schema form (the `schema` half of the envelope) and back.

Keys come in the order Kafka Connect writes them: `type`, then `items` / `keys`, `values` /
`fields`, then `optional`, `name`, `version`, `doc`, `parameters`, `default`; a struct field is
its schema followed by `"field": <name>`.
"""

from __future__ import annotations

from typing import Any

from connect.converters.json_values import JsonOptions, from_json_value, to_json_value
from connect.data import Field, Schema, Type
from connect.errors import DataException

_TYPES = {t.value: t for t in Type}


def to_json_schema(schema: Schema, opts: JsonOptions) -> dict[str, Any]:
    node: dict[str, Any] = {"type": schema.type.value}
    if schema.type is Type.ARRAY:
        assert schema.value_schema is not None
        node["items"] = to_json_schema(schema.value_schema, opts)
    elif schema.type is Type.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        node["keys"] = to_json_schema(schema.key_schema, opts)
        node["values"] = to_json_schema(schema.value_schema, opts)
    elif schema.type is Type.STRUCT:
        node["fields"] = [{**to_json_schema(f.schema, opts), "field": f.name} for f in schema.fields]
    node["optional"] = schema.optional
    if schema.name is not None:
        node["name"] = schema.name
    if schema.version is not None:
        node["version"] = schema.version
    if schema.doc is not None:
        node["doc"] = schema.doc
    if schema.parameters is not None:
        node["parameters"] = dict(schema.parameters)
    if schema.default is not None:
        node["default"] = to_json_value(schema, schema.default, opts)
    return node


def from_json_schema(node: Any, opts: JsonOptions) -> Schema | None:
    """The Connect schema a JSON schema node describes; None for a null node."""
    if node is None:
        return None
    kind = node.get("type") if isinstance(node, dict) else None
    if not isinstance(kind, str):
        raise DataException("Schema must contain 'type' field")
    type_ = _TYPES.get(kind)
    if type_ is None:
        raise DataException(f"Unknown schema type: {kind}")
    key_schema = value_schema = None
    fields: tuple[Field, ...] = ()
    if type_ is Type.ARRAY:
        items = node.get("items")
        if items is None:
            raise DataException("Array schema did not specify the element type")
        value_schema = from_json_schema(items, opts)
    elif type_ is Type.MAP:
        if "keys" not in node:
            raise DataException("Map schema did not specify the key type")
        if "values" not in node:
            raise DataException("Map schema did not specify the value type")
        key_schema = from_json_schema(node["keys"], opts)
        value_schema = from_json_schema(node["values"], opts)
        if key_schema is None or value_schema is None:
            raise DataException("Map schema needs non-null key and value schemas")
    elif type_ is Type.STRUCT:
        json_fields = node.get("fields")
        if not isinstance(json_fields, list):
            raise DataException('Struct schema\'s "fields" argument is not an array.')
        built = []
        for i, f in enumerate(json_fields):
            name = f.get("field") if isinstance(f, dict) else None
            if not isinstance(name, str):
                raise DataException("Struct schema's field name not specified properly")
            child = from_json_schema(f, opts)
            assert child is not None
            built.append(Field(name, child, i))
        if len({f.name for f in built}) != len(built):
            raise DataException("Struct schema has duplicate field names")
        fields = tuple(built)
    version = node.get("version")
    doc = node.get("doc")
    name = node.get("name")
    parameters = node.get("parameters")
    if isinstance(parameters, dict):
        if not all(isinstance(v, str) for v in parameters.values()):
            raise DataException("Schema parameters must have string values.")
    else:
        parameters = None
    schema = Schema(
        type_,
        optional=node.get("optional") is True,
        name=name if isinstance(name, str) else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        doc=doc if isinstance(doc, str) else None,
        parameters=parameters,
        fields=fields,
        key_schema=key_schema,
        value_schema=value_schema,
    )
    default = node.get("default")
    if default is not None:
        schema = schema.with_(default=from_json_value(schema, default, opts))
    return schema
