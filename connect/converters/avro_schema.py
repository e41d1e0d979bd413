"""Connect schemas as Avro schemas and back, the way Confluent's AvroData maps them.

Structs are records named after the Connect name (namespace = everything before the last dot;
unnamed ones are `io.confluent.connect.avro.ConnectDefault`, `ConnectDefault2`, ...); optional
schemas are unions with null and a null default; int8/int16 are ints marked `connect.type`;
Decimal is bytes with logicalType decimal (precision from `connect.decimal.precision`, else 64);
Date, Time and Timestamp are int date, int time-millis and long timestamp-millis; maps with
string keys are Avro maps and other maps arrays of `MapEntry` key/value records. Connect's
name, version, doc, parameters and default travel as `connect.*` properties so a reader gets
the same Connect schema back.
"""

from __future__ import annotations

from typing import Any

from connect.data import Field, Schema, Type
from connect.data.avro_names import is_valid_name
from connect.data.logical import (
    DATE,
    DECIMAL,
    TIME,
    TIMESTAMP,
    date_schema,
    date_to_days,
    days_to_date,
    decimal_from_bytes,
    decimal_scale,
    decimal_to_bytes,
    millis_to_time,
    millis_to_timestamp,
    time_schema,
    time_to_millis,
    timestamp_schema,
    timestamp_to_millis,
)
from connect.errors import DataException

NAMESPACE = "io.confluent.connect.avro"
DEFAULT_NAME = "ConnectDefault"
MAP_ENTRY = "MapEntry"
DECIMAL_PRECISION = "connect.decimal.precision"
DEFAULT_PRECISION = 64
_PRIMITIVES = {
    Type.INT8: "int",
    Type.INT16: "int",
    Type.INT32: "int",
    Type.INT64: "long",
    Type.FLOAT32: "float",
    Type.FLOAT64: "double",
    Type.BOOLEAN: "boolean",
    Type.STRING: "string",
    Type.BYTES: "bytes",
}
_FROM_AVRO = {
    "int": Type.INT32,
    "long": Type.INT64,
    "float": Type.FLOAT32,
    "double": Type.FLOAT64,
    "boolean": Type.BOOLEAN,
    "string": Type.STRING,
    "bytes": Type.BYTES,
}
_LOGICAL = {DATE: "date", TIME: "time-millis", TIMESTAMP: "timestamp-millis"}


# -- Connect -> Avro -----------------------------------------------------------------------
class _ToAvro:
    """One conversion: remembers named types already defined, since Avro allows each only once."""

    def __init__(self, connect_meta: bool) -> None:
        self.meta = connect_meta
        self.defined: set[str] = set()
        self.unnamed = 0

    def names(self, connect_name: str | None) -> tuple[str | None, str]:
        if connect_name is None:
            self.unnamed += 1
            return NAMESPACE, DEFAULT_NAME + (str(self.unnamed) if self.unnamed > 1 else "")
        namespace, _, name = connect_name.rpartition(".")
        return namespace or None, name

    def convert(self, schema: Schema) -> Any:
        base = self.base(schema)
        return _optional(base, schema) if schema.optional else base

    def base(self, schema: Schema) -> Any:
        """The Avro schema of `schema` ignoring its optionality."""
        props: dict[str, Any] = {}
        if schema.type is Type.STRUCT:
            namespace, name = self.names(schema.name)
            full = f"{namespace}.{name}" if namespace else name
            if full in self.defined:
                return full
            self.defined.add(full)
            node: dict[str, Any] = {"type": "record", "name": name}
            if namespace:
                node["namespace"] = namespace
            node["fields"] = [self.field(f.name, f.schema) for f in schema.fields]
        elif schema.type is Type.ARRAY:
            assert schema.value_schema is not None
            node = {"type": "array", "items": self.convert(schema.value_schema)}
        elif schema.type is Type.MAP:
            node = self.map(schema)
        else:
            node = {"type": _PRIMITIVES[schema.type]}
            if schema.name == DECIMAL:
                scale = decimal_scale(schema)
                precision = int((schema.parameters or {}).get(DECIMAL_PRECISION, DEFAULT_PRECISION))
                node["scale"] = scale
                node["precision"] = precision
                if 0 <= scale <= precision:
                    props["logicalType"] = "decimal"
            elif schema.name in _LOGICAL:
                props["logicalType"] = _LOGICAL[schema.name]
        if self.meta:
            if schema.doc is not None:
                node["connect.doc"] = schema.doc
            if schema.version is not None:
                node["connect.version"] = schema.version
            if schema.parameters:
                node["connect.parameters"] = dict(schema.parameters)
            if schema.default is not None:
                node["connect.default"] = avro_default(schema, schema.default)
            if schema.name is not None:
                node["connect.name"] = schema.name
            if schema.type in (Type.INT8, Type.INT16):
                node["connect.type"] = schema.type.value
        node.update(props)
        if len(node) == 1 and isinstance(node["type"], str):
            return node["type"]
        return node

    def field(self, name: str, schema: Schema) -> dict[str, Any]:
        field: dict[str, Any] = {"name": name, "type": self.convert(schema)}
        if schema.default is not None:
            field["default"] = avro_default(schema, schema.default)
        elif schema.optional:
            field["default"] = None
        return field

    def map(self, schema: Schema) -> dict[str, Any]:
        assert schema.key_schema is not None and schema.value_schema is not None
        if schema.key_schema.type is Type.STRING and not schema.key_schema.optional:
            return {"type": "map", "values": self.convert(schema.value_schema)}
        if schema.name is None:
            namespace, name = NAMESPACE, MAP_ENTRY
        else:
            namespace, name = self.names(schema.name)  # type: ignore[assignment]
        full = f"{namespace}.{name}" if namespace else name
        if full in self.defined:
            return {"type": "array", "items": full}
        self.defined.add(full)
        entry: dict[str, Any] = {"type": "record", "name": name}
        if namespace:
            entry["namespace"] = namespace
        if schema.name is not None:
            entry["connect.internal.type"] = MAP_ENTRY
        entry["fields"] = [self.field("key", schema.key_schema), self.field("value", schema.value_schema)]
        return {"type": "array", "items": entry}


def _optional(base: Any, schema: Schema) -> list[Any]:
    # A non-null default must match the union's first branch.
    return [base, "null"] if schema.default is not None else ["null", base]


def to_avro_schema(schema: Schema, connect_meta: bool = True) -> Any:
    """The Avro schema (as JSON-able data) Confluent's AvroData derives from a Connect schema."""
    return _ToAvro(connect_meta).convert(schema)


def invalid_names(avro: Any) -> list[str]:
    """The names in an Avro schema (as JSON data) that Avro does not allow, each saying what it names."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for branch in node:
                walk(branch)
        elif isinstance(node, dict):
            if node.get("type") in ("record", "enum", "fixed"):
                if not is_valid_name(node["name"], full=True):
                    found.append(f"'{node['name']}' ({node['type']} name)")
                if node.get("namespace") and not is_valid_name(node["namespace"], full=True):
                    found.append(f"'{node['namespace']}' (namespace of {node['name']})")
            for f in node.get("fields", ()) if node.get("type") == "record" else ():
                if not is_valid_name(f["name"]):
                    found.append(f"'{f['name']}' (field of {node['name']})")
                walk(f["type"])
            walk(node.get("items"))
            walk(node.get("values"))

    walk(avro)
    return found


def avro_default(schema: Schema, value: Any) -> Any:
    """A Connect value as an Avro JSON default (bytes as ISO-8859-1 text, as the Avro spec says)."""
    if value is None:
        return None
    name = schema.name
    if name == DECIMAL:
        return decimal_to_bytes(value, decimal_scale(schema)).decode("latin-1")
    if name == DATE:
        return value if isinstance(value, int) else date_to_days(value)
    if name == TIME:
        return value if isinstance(value, int) else time_to_millis(value)
    if name == TIMESTAMP:
        return value if isinstance(value, int) else timestamp_to_millis(value)
    if schema.type is Type.BYTES:
        return bytes(value).decode("latin-1")
    if schema.type is Type.ARRAY:
        assert schema.value_schema is not None
        return [avro_default(schema.value_schema, v) for v in value]
    if schema.type is Type.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        if schema.key_schema.type is Type.STRING:
            return {k: avro_default(schema.value_schema, v) for k, v in value.items()}
        return [
            {"key": avro_default(schema.key_schema, k), "value": avro_default(schema.value_schema, v)}
            for k, v in value.items()
        ]
    if schema.type is Type.STRUCT:
        return {f.name: avro_default(f.schema, value.get(f.name, f.schema.default)) for f in schema.fields}
    return value


# -- Avro -> Connect -----------------------------------------------------------------------
_COMPLEX = frozenset({"record", "array", "map", "enum", "fixed"})
_MAP_ENTRY_FULL = f"{NAMESPACE}.{MAP_ENTRY}"


class _FromAvro:
    """One conversion: resolves references to named types defined earlier in the same schema."""

    def __init__(self) -> None:
        self.named: dict[str, Schema] = {}
        self.entries: dict[str, tuple[Schema, Schema, str | None]] = {}  # MapEntry records: key, value, name

    def convert(self, node: Any, namespace: str | None = None) -> Schema:
        if isinstance(node, str):
            if node in _FROM_AVRO:
                return Schema(_FROM_AVRO[node])
            found = self.named.get(_qualify(node, namespace))
            if found is None:
                raise DataException(f"Avro schema refers to unknown type {node}")
            return found
        if isinstance(node, list):
            branches = [b for b in node if b != "null"]
            if len(branches) != 1:
                raise DataException(f"Avro unions other than [null, T] are not supported: {node}")
            inner = self.convert(branches[0], namespace)
            return inner.with_(optional=True) if len(node) > 1 and not inner.optional else inner
        if not isinstance(node, dict) or "type" not in node:
            raise DataException(f"Not an Avro schema: {node!r}")
        kind = node["type"]
        if not isinstance(kind, str) or (kind not in _COMPLEX and len(node) == 1):
            return self.convert(kind, namespace)
        schema = self.with_meta(self.complex(node, kind, namespace), node)
        if kind in ("record", "enum", "fixed"):
            self.named[_full_name(node, namespace)[0]] = schema
        return schema

    def complex(self, node: dict[str, Any], kind: str, namespace: str | None) -> Schema:
        if kind == "record":
            full, inner_ns = _full_name(node, namespace)
            fields = []
            for i, f in enumerate(node.get("fields", [])):
                child = self.convert(f["type"], inner_ns)
                if f.get("default") is not None and child.default is None:
                    child = child.with_(default=_from_avro_default(child, f["default"]))
                fields.append(Field(f["name"], child, i))
            return Schema(Type.STRUCT, name=node.get("connect.name", full), fields=tuple(fields))
        if kind == "array":
            entry = self.map_entry(node.get("items"), namespace)
            if entry is not None:
                key, value, name = entry
                return Schema.map(key, value, name=name)
            return Schema.array(self.convert(node.get("items"), namespace))
        if kind == "map":
            return Schema.map(Schema(Type.STRING), self.convert(node.get("values"), namespace))
        if kind == "enum":
            full, _ = _full_name(node, namespace)
            params = {f"{NAMESPACE}.Enum": full, **{f"{NAMESPACE}.Enum.{s}": s for s in node.get("symbols", [])}}
            return Schema(Type.STRING, parameters=params)
        if kind == "fixed":
            full, _ = _full_name(node, namespace)
            return Schema(Type.BYTES, name=full, parameters={"connect.fixed.size": str(node.get("size"))})
        return self.primitive(node, kind)

    def map_entry(self, items: Any, namespace: str | None) -> tuple[Schema, Schema, str | None] | None:
        """Key and value schemas when an array's items are Confluent's MapEntry records."""
        if isinstance(items, str):
            return self.entries.get(_qualify(items, namespace))
        if not (isinstance(items, dict) and items.get("type") == "record"):
            return None
        full, inner_ns = _full_name(items, namespace)
        if full != _MAP_ENTRY_FULL and items.get("connect.internal.type") != MAP_ENTRY:
            return None
        by_name = {f["name"]: f["type"] for f in items.get("fields", [])}
        if set(by_name) != {"key", "value"}:
            return None
        entry = (
            self.convert(by_name["key"], inner_ns),
            self.convert(by_name["value"], inner_ns),
            None if full == _MAP_ENTRY_FULL else items.get("connect.name", full),
        )
        self.entries[full] = entry
        return entry

    def primitive(self, node: dict[str, Any], kind: str) -> Schema:
        logical = node.get("logicalType")
        if logical == "decimal" and kind == "bytes":
            precision = node.get("precision")
            params = {"scale": str(int(node.get("scale", 0)))}
            if precision is not None and int(precision) != DEFAULT_PRECISION:
                params[DECIMAL_PRECISION] = str(precision)
            return Schema(Type.BYTES, name=DECIMAL, version=1, parameters=params)
        if logical == "date" and kind == "int":
            return date_schema()
        if logical == "time-millis" and kind == "int":
            return time_schema()
        if logical == "timestamp-millis" and kind == "long":
            return timestamp_schema()
        if kind not in _FROM_AVRO:
            raise DataException(f"Unsupported Avro type {kind}")
        if kind == "int" and node.get("connect.type") in ("int8", "int16"):
            return Schema(Type(node["connect.type"]))
        return Schema(_FROM_AVRO[kind])

    def with_meta(self, schema: Schema, node: dict[str, Any]) -> Schema:
        changes: dict[str, Any] = {}
        if isinstance(node.get("connect.name"), str) and schema.type is not Type.STRUCT:
            changes["name"] = node["connect.name"]
        if isinstance(node.get("connect.version"), int):
            changes["version"] = node["connect.version"]
        if isinstance(node.get("connect.doc"), str):
            changes["doc"] = node["connect.doc"]
        if isinstance(node.get("connect.parameters"), dict):
            changes["parameters"] = {str(k): str(v) for k, v in node["connect.parameters"].items()}
        if changes:
            schema = schema.with_(**changes)
        if node.get("connect.default") is not None:
            schema = schema.with_(default=_from_avro_default(schema, node["connect.default"]))
        return schema


def _qualify(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _full_name(node: dict[str, Any], namespace: str | None) -> tuple[str, str | None]:
    """A named type's full name and the namespace its children inherit."""
    name = node["name"]
    if "." in name:
        return name, name.rpartition(".")[0]
    ns = node.get("namespace", namespace) or None
    return (f"{ns}.{name}" if ns else name), ns


def _from_avro_default(schema: Schema, value: Any) -> Any:
    """An Avro JSON default as a Connect value."""
    if value is None:
        return None
    name = schema.name
    if name == DECIMAL and isinstance(value, str):
        return decimal_from_bytes(value.encode("latin-1"), decimal_scale(schema))
    if name == DATE and isinstance(value, int):
        return days_to_date(value)
    if name == TIME and isinstance(value, int):
        return millis_to_time(value)
    if name == TIMESTAMP and isinstance(value, int):
        return millis_to_timestamp(value)
    if schema.type is Type.BYTES and isinstance(value, str):
        return value.encode("latin-1")
    if schema.type is Type.ARRAY and isinstance(value, list):
        assert schema.value_schema is not None
        return [_from_avro_default(schema.value_schema, v) for v in value]
    if schema.type is Type.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        if isinstance(value, dict):
            return {k: _from_avro_default(schema.value_schema, v) for k, v in value.items()}
        return {
            _from_avro_default(schema.key_schema, e["key"]): _from_avro_default(schema.value_schema, e["value"])
            for e in value
        }
    if schema.type is Type.STRUCT and isinstance(value, dict):
        return {f.name: _from_avro_default(f.schema, value.get(f.name)) for f in schema.fields}
    if schema.type in (Type.FLOAT32, Type.FLOAT64) and isinstance(value, int):
        return float(value)
    return value


def from_avro_schema(node: Any) -> Schema:
    """The Connect schema of an Avro schema (parsed JSON), as Confluent's AvroData derives it."""
    return _FromAvro().convert(node)
