"""Cast: casts fields, or the whole key or value, to another primitive type, with Java's conversions."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type
from connect.converters.values import java_double
from connect.data import Schema
from connect.data import Type as SchemaType
from connect.data.logical import DATE, DECIMAL, TIME, TIMESTAMP, date_to_days, time_to_millis, timestamp_to_millis
from connect.errors import ConfigException, DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    defaults_of,
    fill_defaults,
    java_split,
    require_map,
    require_struct,
    schema_cache,
    struct_basics,
    type_name,
    variants,
    with_replace_null,
)
from transforms._java_numbers import (
    INT_BITS,
    float32_text,
    float_to_int,
    int_to_float,
    parse_double,
    parse_int,
    to_float32,
    wrap,
)

PURPOSE = "cast types"
_TYPE_NAMES = {
    "INT8": SchemaType.INT8,
    "INT16": SchemaType.INT16,
    "INT32": SchemaType.INT32,
    "INT64": SchemaType.INT64,
    "FLOAT32": SchemaType.FLOAT32,
    "FLOAT64": SchemaType.FLOAT64,
    "BOOLEAN": SchemaType.BOOLEAN,
    "STRING": SchemaType.STRING,
    "BYTES": SchemaType.BYTES,
    "ARRAY": SchemaType.ARRAY,
    "MAP": SchemaType.MAP,
    "STRUCT": SchemaType.STRUCT,
}
_OUTPUT = (
    SchemaType.INT8,
    SchemaType.INT16,
    SchemaType.INT32,
    SchemaType.INT64,
    SchemaType.FLOAT32,
    SchemaType.FLOAT64,
    SchemaType.BOOLEAN,
    SchemaType.STRING,
)
_INPUT = (*_OUTPUT, SchemaType.BYTES)
_LOGICAL = frozenset((DECIMAL, DATE, TIME, TIMESTAMP))
_DAY_MS = 86_400_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
WHOLE = ""  # the key of a whole-value cast in the parsed spec


def _java_name(t: SchemaType) -> str:
    return next(name for name, v in _TYPE_NAMES.items() if v is t)


def parse_spec(items: list[str]) -> dict[str, SchemaType]:
    """`field:type,...` or a single `type` (the whole value) as {field: type}, {WHOLE: type} for the latter."""
    if not items:
        raise ConfigException("spec", "", "Must specify at least one field to cast.")
    casts: dict[str, SchemaType] = {}
    for item in items:
        parts = java_split(item, ":")
        if not parts or len(parts) > 2:
            raise ConfigException("spec", ",".join(items), f"Invalid cast mapping: {item}")
        type_text = parts[-1].strip()
        target = _TYPE_NAMES.get(type_text.upper())
        if target is None:
            raise ConfigException("spec", ",".join(items), f"Invalid type found in casting spec: {type_text}")
        if target not in _OUTPUT:
            raise ConfigException(
                "spec",
                ",".join(items),
                f"Cast transformation does not support casting to {type_text.upper()}; supported "
                f"types are {', '.join(_java_name(t) for t in _OUTPUT)}",
            )
        casts[WHOLE if len(parts) == 1 else parts[0].strip()] = target
    if WHOLE in casts and len(items) > 1:
        raise ConfigException(
            "spec",
            ",".join(items),
            "Cast transformations that specify a type to cast the "
            "entire value to may only specify a single cast in their spec",
        )
    return casts


class CastSpec:
    """Validates `spec`."""

    def __call__(self, name: str, value: Any) -> None:
        parse_spec(value or [])

    def __str__(self) -> str:
        return "list of colon-delimited pairs, e.g. `foo:bar,abc:xyz`"


def _inferred_type(value: Any) -> SchemaType:
    if isinstance(value, bool):
        return SchemaType.BOOLEAN
    if isinstance(value, int):
        return SchemaType.INT64
    if isinstance(value, (float, Decimal)):
        return SchemaType.FLOAT64
    if isinstance(value, str):
        return SchemaType.STRING
    if isinstance(value, (bytes, bytearray, memoryview)):
        return SchemaType.BYTES
    if isinstance(value, (list, tuple)):
        return SchemaType.ARRAY
    if isinstance(value, dict):
        return SchemaType.MAP
    raise DataException(
        f"Cast transformation was passed a value of type {type_name(value)} which is not "
        f"supported by Connect's data API"
    )


def _encode_logical(schema: Schema, value: Any) -> Any:
    """Date, Time and Timestamp values as the int Kafka Connect stores them."""
    if schema.name == TIMESTAMP and isinstance(value, dt.datetime):
        return timestamp_to_millis(value)
    if schema.name == DATE and isinstance(value, dt.date):
        return date_to_days(value)
    if schema.name == TIME and isinstance(value, dt.time):
        return time_to_millis(value)
    return value


def _temporal_text(value: dt.date | dt.time) -> str:
    """A date, time or timestamp as Java's `Values.dateFormatFor` renders it: chosen by its epoch milliseconds."""
    if isinstance(value, dt.datetime):
        millis = timestamp_to_millis(value)
    elif isinstance(value, dt.date):
        millis = date_to_days(value) * _DAY_MS
    else:
        millis = time_to_millis(value)
    t = _EPOCH + dt.timedelta(milliseconds=millis)
    if millis < _DAY_MS:
        return f"{t:%H:%M:%S}.{t.microsecond // 1000:03d}Z"
    if millis % _DAY_MS == 0:
        return f"{t:%Y-%m-%d}"
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def _to_int(value: Any, bits: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return wrap(value, bits)
    if isinstance(value, (float, Decimal)):
        return float_to_int(value, bits)
    if isinstance(value, str):
        return parse_int(value, bits)
    raise DataException(f"Unexpected type in Cast transformation: {type_name(value)}")


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        return int_to_float(value)
    if isinstance(value, (float, Decimal)):
        return float(value)
    if isinstance(value, str):
        return parse_double(value)
    raise DataException(f"Unexpected type in Cast transformation: {type_name(value)}")


def _to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, (float, Decimal)):
        return float_to_int(value, 64) != 0
    if isinstance(value, str):
        return value.lower() == "true"
    raise DataException(f"Unexpected type in Cast transformation: {type_name(value)}")


def _to_string(value: Any, schema: Schema | None) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.time)):
        return _temporal_text(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float):
        return float32_text(value) if schema is not None and schema.type is SchemaType.FLOAT32 else java_double(value)
    return str(value)


def cast_value(schema: Schema | None, value: Any, target: SchemaType) -> Any:
    """One value cast to `target` as Kafka Connect's Cast does; DataException when it cannot be."""
    if value is None:
        return None
    source = schema.type if schema is not None else _inferred_type(value)
    if source not in _INPUT:
        raise DataException(
            f"Cast transformation does not support casting from {_java_name(source)}; supported "
            f"types are {', '.join(_java_name(t) for t in _INPUT)}"
        )
    if schema is not None and schema.name and target is not SchemaType.STRING:
        value = _encode_logical(schema, value)
    try:
        if target in INT_BITS:
            return _to_int(value, INT_BITS[target])
        if target is SchemaType.FLOAT32:
            return to_float32(_to_float(value))
        if target is SchemaType.FLOAT64:
            return _to_float(value)
        if target is SchemaType.BOOLEAN:
            return _to_boolean(value)
        return _to_string(value, schema)
    except ValueError as exc:
        raise DataException(
            f"Value ({value}) was out of range for requested data type {_java_name(target)}: {exc}"
        ) from None


class _Plan:
    __slots__ = ("casts", "defaults", "schema")

    def __init__(
        self,
        schema: Schema,
        casts: tuple[tuple[str, Schema, SchemaType], ...] = (),
        defaults: dict[str, Any] | None = None,
    ) -> None:
        self.schema = schema
        self.casts = casts  # the fields cast: name, field schema, target type
        self.defaults = defaults or {}  # what null fields become (replace.null.with.default)


class Cast(PartTransform):
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef().define(
            "spec",
            Type.LIST,
            NO_DEFAULT,
            Importance.HIGH,
            "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or "
            "Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, "
            "float64, boolean, and string. Note that binary fields can only be cast to string.",
            validator=CastSpec(),
        )
    )
    doc: ClassVar[str] = """
        Casts fields of the record {part}, or the whole {part}, to another primitive type: int8, int16, int32,
        int64, float32, float64, boolean or string. Conversions are Java's: integers narrow by wrapping,
        fractions truncate, strings parse, binary becomes base64 text, dates and timestamps become their epoch
        number or ISO text. Only top-level fields can be cast; the schema follows the cast; a null {part}
        passes through.

        ```
        transforms=cast
        transforms.cast.type=Cast${Part}
        transforms.cast.spec=price:float64,quantity:int32,active:boolean
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._casts = parse_spec(config["spec"])
        self._whole = self._casts.get(WHOLE)
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._plans = schema_cache(self._plan)

    def _plan(self, schema: Schema) -> _Plan:
        if self._whole is not None:
            target = self._whole
            # Kafka copies the name too, which would leave e.g. an int32 named Timestamp: logical names go.
            basics = struct_basics(schema) if schema.name not in _LOGICAL else {"doc": schema.doc}
            default = cast_value(schema, schema.default, target)
            return _Plan(Schema(target, schema.optional, default, **basics))
        require_struct(schema, {}, PURPOSE)
        fields, casts = [], []
        for f in schema.fields:
            field_target = self._casts.get(f.name)
            new = f.schema
            if field_target is not None:
                new = Schema(field_target, f.schema.optional, cast_value(f.schema, f.schema.default, field_target))
                casts.append((f.name, f.schema, field_target))
            fields.append((f.name, new))
        new_schema = Schema.struct(
            fields=fields, optional=schema.optional, default=schema.default, **struct_basics(schema)
        )
        return _Plan(new_schema, tuple(casts), defaults_of(schema) if self._replace_null else None)

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        if value is None:
            return record
        if schema is None:
            if self._whole is not None:
                return self.part.put(record, None, cast_value(None, value, self._whole))
            value = require_map(value, PURPOSE)
            updated = dict(value)
            for name, target in self._casts.items():
                updated[name] = cast_value(None, value.get(name), target)
            return self.part.put(record, None, updated)
        plan = self._plans.get(schema)
        if self._whole is not None:
            return self.part.put(record, plan.schema, cast_value(schema, value, self._whole))
        updated = dict(require_struct(schema, value, PURPOSE))
        if plan.defaults:
            fill_defaults(updated, plan.defaults)
        for name, field_schema, target in plan.casts:
            updated[name] = cast_value(field_schema, updated.get(name), target)
        return self.part.put(record, plan.schema, updated)


CastKey, CastValue = variants(Cast, KAFKA_TRANSFORMS + "Cast")
