"""Postgres column types → Debezium's Connect schemas and value conversions.

Values arrive in the server's text output format and are loaded by psycopg's C loaders,
chosen per column by type OID (`loader_oid`); a column then applies at most one small
conversion (`convert`) to reach Debezium's representation (e.g. a timestamptz becomes an
ISO-8601 UTC string, a date the days since the epoch). Both are decided once per column.

The mapping follows what Debezium 3.7 emits, checked field by field by the differential test
(tests/integration/connectors/postgres/test_debezium_conformance.py): a column whose type Debezium
has no schema for (e.g. `interval[]`, `pg_lsn` unless `include.unknown.datatypes`) gets the schema
None and is left out of events, as Debezium leaves it out. Debezium reads scalar values of the
stream through its own parser and snapshot values and array elements through JDBC; where the two
disagree (`temporal.py` says where), `streaming` picks the stream's reading. A conversion that
raises stands for a value Debezium cannot convert (it then writes null, per
`event.converting.failure.handling.mode`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from connect.data import Schema, Type
from connect.data.logical import DATE, DECIMAL, TIME, TIMESTAMP
from connectors.postgres import geometric, temporal, values

# Debezium's logical type names.
DBZ_DATE = "io.debezium.time.Date"
DBZ_TIME = "io.debezium.time.Time"
MICRO_TIME = "io.debezium.time.MicroTime"
DBZ_TIMESTAMP = "io.debezium.time.Timestamp"
MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp"
ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp"
ZONED_TIME = "io.debezium.time.ZonedTime"
MICRO_DURATION = "io.debezium.time.MicroDuration"
INTERVAL = "io.debezium.time.Interval"
JSON = "io.debezium.data.Json"
XML = "io.debezium.data.Xml"
UUID = "io.debezium.data.Uuid"
ENUM = "io.debezium.data.Enum"
BITS = "io.debezium.data.Bits"
LTREE = "io.debezium.data.Ltree"
TSVECTOR = "io.debezium.data.Tsvector"
VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal"

#: What Debezium writes for an unchanged TOASTed value it was not sent.
UNAVAILABLE_VALUE = "__debezium_unavailable_value"

# Builtin type OIDs (pg_type.h) used as loaders.
BOOL, BYTEA, INT8, INT2, INT4, TEXT, OID, FLOAT4, FLOAT8, NUMERIC = 16, 17, 20, 21, 23, 25, 26, 700, 701, 1700
TEXT_ARRAY, BYTEA_ARRAY, NUMERIC_ARRAY = 1009, 1001, 1231

#: Array types whose elements psycopg's own array loader reads exactly as Debezium needs them.
_NATIVE_ARRAYS = {1005, 1007, 1016, 1028, 1000, 1021, 1022}
#: Array types Debezium maps to arrays of strings (their elements' text).
_TEXT_ARRAYS = {1002, 1015, 1009, 1014, 1041, 651, 1040, 775, 3909, 3911, 3913, 3905, 3907, 3927, 2951, 3807, 199}
#: Array types Debezium has no schema for: such columns are left out.
_UNMAPPED_ARRAYS = {791, 1003, 1187, 1563, 143, 1017, 2201}
_GEOMETRIC = {628, 601, 603, 602, 604, 718}


@dataclass(frozen=True, slots=True)
class TypeModes:
    """The value-representation options of the connector (Debezium's *.handling.mode keys)."""

    decimal: str = "precise"  # precise | double | string
    time_precision: str = "adaptive"  # adaptive | adaptive_time_microseconds | connect
    binary: str = "bytes"  # bytes | base64 | base64-url-safe | hex
    interval: str = "numeric"  # numeric | string
    hstore: str = "json"  # json | map
    money_digits: int = 2
    include_unknown: bool = False


@dataclass(frozen=True, slots=True)
class PgType:
    """What the catalog says about a non-builtin type (enum, array, domain, extension type)."""

    oid: int
    name: str
    kind: str  # pg_type.typtype: b base, e enum, d domain, ...
    element: int = 0  # typelem for arrays
    base: int = 0  # typbasetype for domains
    labels: tuple[str, ...] = ()  # enum labels in sort order
    category: str = ""  # typcategory: 'A' array
    typmod: int = -1  # typtypmod of a domain (e.g. numeric(10,2))


TypeLookup = Callable[[int], PgType | None]
Converter = Callable[[Any], Any]


class ColumnMapping(NamedTuple):
    """How one column is read: its (required) schema, the loader OID, the post-load conversion.

    `schema` None: Debezium has no schema for the type, and the column is left out of events.
    """

    schema: Schema | None
    loader_oid: int
    convert: Converter | None


def _named(type_: Type, name: str, parameters: Mapping[str, str] | None = None, doc: str | None = None) -> Schema:
    return Schema(type_, name=name, version=1, parameters=parameters, doc=doc)


VARIABLE_SCALE_DECIMAL_SCHEMA = Schema.struct(
    VARIABLE_SCALE_DECIMAL,
    [("scale", Schema(Type.INT32)), ("value", Schema(Type.BYTES))],
    version=1,
    doc="Variable scaled decimal",
)

_UNMAPPED = ColumnMapping(None, TEXT, None)


# -- the mapping ------------------------------------------------------------------------------
def _decimal_schema(scale: int, precision: int | None) -> Schema:
    parameters = {"scale": str(scale)}
    if precision is not None:
        parameters["connect.decimal.precision"] = str(precision)
    return Schema(Type.BYTES, name=DECIMAL, version=1, parameters=parameters)


def _numeric(typmod: int, modes: TypeModes) -> ColumnMapping:
    if modes.decimal == "double":
        return ColumnMapping(Schema(Type.FLOAT64), NUMERIC, values.decimal_double)
    if modes.decimal == "string":
        return ColumnMapping(Schema(Type.STRING), NUMERIC, values.decimal_string)
    if typmod < 4:  # numeric without precision/scale: the scale varies per value
        return ColumnMapping(VARIABLE_SCALE_DECIMAL_SCHEMA, TEXT, values.variable_scale_decimal)
    precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    return ColumnMapping(_decimal_schema(scale, precision), NUMERIC, values.finite_decimal)


def _money(modes: TypeModes) -> ColumnMapping:
    if modes.decimal == "double":
        return ColumnMapping(Schema(Type.FLOAT64), TEXT, lambda v: float(values.money_value(v)))
    if modes.decimal == "string":
        return ColumnMapping(Schema(Type.STRING), TEXT, lambda v: format(values.money_value(v), "f"))
    return ColumnMapping(_decimal_schema(modes.money_digits, None), TEXT, values.money(modes.money_digits))


def _precision(typmod: int) -> int:
    return 6 if typmod < 0 else typmod


def _date(modes: TypeModes, streaming: bool) -> ColumnMapping:
    convert = temporal.date_streamed if streaming else temporal.date_jdbc
    if modes.time_precision == "connect":
        return ColumnMapping(_named(Type.INT32, DATE), TEXT, convert)
    return ColumnMapping(_named(Type.INT32, DBZ_DATE), TEXT, convert)


def _time(typmod: int, modes: TypeModes) -> ColumnMapping:
    tp = modes.time_precision
    if tp == "connect":
        return ColumnMapping(_named(Type.INT32, TIME), TEXT, temporal.time_millis)
    if tp == "adaptive" and _precision(typmod) <= 3:
        return ColumnMapping(_named(Type.INT32, DBZ_TIME), TEXT, temporal.time_millis)
    return ColumnMapping(_named(Type.INT64, MICRO_TIME), TEXT, temporal.time_micros)


def _timestamp(typmod: int, modes: TypeModes) -> ColumnMapping:
    if modes.time_precision == "connect":
        return ColumnMapping(_named(Type.INT64, TIMESTAMP), TEXT, temporal.timestamp_millis)
    if _precision(typmod) <= 3:
        return ColumnMapping(_named(Type.INT64, DBZ_TIMESTAMP), TEXT, temporal.timestamp_millis)
    return ColumnMapping(_named(Type.INT64, MICRO_TIMESTAMP), TEXT, temporal.timestamp_micros)


def _interval(modes: TypeModes) -> ColumnMapping:
    if modes.interval == "string":
        return ColumnMapping(_named(Type.STRING, INTERVAL), TEXT, temporal.interval_iso)
    return ColumnMapping(_named(Type.INT64, MICRO_DURATION), TEXT, temporal.interval_micros)


def _bits(typmod: int, varying: bool) -> ColumnMapping:
    length = typmod if typmod > 0 else (2147483647 if varying else 1)
    if length == 1:
        return ColumnMapping(Schema(Type.BOOLEAN), TEXT, values.bit_boolean)
    return ColumnMapping(_named(Type.BYTES, BITS, {"length": str(length)}), TEXT, values.bits)


def _binary_schema(modes: TypeModes) -> Schema:
    return Schema(Type.BYTES) if modes.binary == "bytes" else Schema(Type.STRING)


def _string(name: str | None = None, convert: Converter | None = None) -> ColumnMapping:
    return ColumnMapping(_named(Type.STRING, name) if name else Schema(Type.STRING), TEXT, convert)


_GEOMETRIC_MAPPINGS = {
    600: ColumnMapping(geometric.POINT_SCHEMA, TEXT, geometric.point),
    628: ColumnMapping(geometric.LINE_SCHEMA, TEXT, geometric.line),
    601: ColumnMapping(geometric.GEOMETRY_SCHEMA, TEXT, geometric.lseg),
    603: ColumnMapping(geometric.GEOMETRY_SCHEMA, TEXT, geometric.box),
    602: ColumnMapping(geometric.GEOMETRY_SCHEMA, TEXT, geometric.path),
    604: ColumnMapping(geometric.GEOMETRY_SCHEMA, TEXT, geometric.polygon),
    718: ColumnMapping(geometric.CIRCLE_SCHEMA, TEXT, geometric.circle),
}


def _scalar(oid: int, typmod: int, modes: TypeModes, streaming: bool) -> ColumnMapping | None:
    """Builtin scalar types; None when the OID is not one of them."""
    match oid:
        case 21:
            return ColumnMapping(Schema(Type.INT16), INT2, None)
        case 23:
            return ColumnMapping(Schema(Type.INT32), INT4, None)
        case 20 | 26:
            return ColumnMapping(Schema(Type.INT64), oid, None)
        case 700:
            return ColumnMapping(Schema(Type.FLOAT32), FLOAT4, None)
        case 701:
            return ColumnMapping(Schema(Type.FLOAT64), FLOAT8, None)
        case 16:
            return ColumnMapping(Schema(Type.BOOLEAN), BOOL, None)
        case 25 | 1043 | 1042 | 18 | 829 | 774 | 869 | 650 | 3904 | 3926 | 3906 | 3908 | 3910 | 3912:
            return _string()
        case 19:  # name: Debezium's stream decoder has no reading for it (but the unknown types' one)
            return _string(convert=(lambda _: None) if streaming and not modes.include_unknown else None)
        case 1700:
            return _numeric(typmod, modes)
        case 790:
            return _money(modes)
        case 17:
            return ColumnMapping(_binary_schema(modes), BYTEA, values.binary(modes.binary))
        case 114 | 3802:
            return _string(JSON)
        case 142:
            return _string(XML)
        case 2950:
            return _string(UUID)
        case 3614:
            return _string(TSVECTOR)
        case 1082:
            return _date(modes, streaming)
        case 1083:
            return _time(typmod, modes)
        case 1114:
            return _timestamp(typmod, modes)
        case 1184:
            return _string(ZONED_TIMESTAMP, temporal.zoned_timestamp(_precision(typmod)))
        case 1266:
            return _string(ZONED_TIME, temporal.zoned_time)
        case 1186:
            return _interval(modes)
        case 1560 | 1562:
            return _bits(typmod, oid == 1562)
    return _GEOMETRIC_MAPPINGS.get(oid)


def _extension(info: PgType, modes: TypeModes) -> ColumnMapping | None:
    """Types of extensions Debezium knows by name."""
    match info.name:
        case "hstore":
            if modes.hstore == "map":
                schema = Schema.map(Schema(Type.STRING), Schema(Type.STRING, optional=True))
                return ColumnMapping(schema, TEXT, values.hstore_map)
            return _string(JSON, values.hstore_json)
        case "ltree":
            return _string(LTREE)
        case "citext" | "isbn":
            return _string()
    return None


def _unknown(modes: TypeModes) -> ColumnMapping:
    """A type Debezium has no mapping for: left out, or its text as binary with `include.unknown.datatypes`."""
    if not modes.include_unknown:
        return _UNMAPPED
    encode = values.binary(modes.binary)
    convert: Converter = str.encode if encode is None else (lambda v: encode(v.encode()))
    return ColumnMapping(_binary_schema(modes), TEXT, convert)


def column_mapping(
    oid: int, typmod: int, modes: TypeModes, lookup: TypeLookup, streaming: bool = False
) -> ColumnMapping:
    """The schema (not yet optional), loader and conversion for a column of type `oid`."""
    scalar = _scalar(oid, typmod, modes, streaming)
    if scalar is not None:
        return scalar
    if oid in _UNMAPPED_ARRAYS:
        return _UNMAPPED
    if oid == 1561:  # bit[]: Debezium declares the element's schema and never manages a value
        schema = _bits(typmod, False).schema
        assert schema is not None
        return ColumnMapping(schema, TEXT, _fails)
    info = lookup(oid)
    if info is None:
        return _unknown(modes)
    extension = _extension(info, modes)
    if extension is not None:
        return extension
    if info.kind == "e":
        return ColumnMapping(_named(Type.STRING, ENUM, {"allowed": ",".join(info.labels)}), TEXT, None)
    if info.kind == "d" and info.base:
        return column_mapping(info.base, typmod if typmod >= 0 else info.typmod, modes, lookup, streaming)
    if info.category == "A" and info.element:
        return _array(oid, info.element, typmod, modes, lookup)
    return _unknown(modes)


# -- arrays -----------------------------------------------------------------------------------
def _fails(value: Any) -> Any:
    raise ValueError("Debezium cannot convert this value")


def _box_array(text: str) -> list[None]:
    """box[]: only an array of NULLs (or an empty one) is something Debezium can read."""
    inner = text.strip()[1:-1]
    items = [item.strip() for item in inner.split(";")] if inner else []
    if any(item.upper() != "NULL" for item in items):
        raise ValueError("Debezium cannot convert this value")
    return [None] * len(items)


def _each(convert: Converter | None, *, nulls: bool = True) -> Converter | None:
    """A conversion of every element; `nulls` False: a NULL element fails the whole array."""
    if convert is None and nulls:
        return None
    if convert is None:

        def check(items: list[Any]) -> list[Any]:
            if None in items:
                raise ValueError("NULL element in an array whose elements are required")
            return items

        return check

    def each(items: list[Any]) -> list[Any]:
        if not nulls and None in items:
            raise ValueError("NULL element in an array whose elements are required")
        return [None if v is None else convert(v) for v in items]

    return each


def _element(oid: int, typmod: int, modes: TypeModes) -> ColumnMapping | None:
    """How an element of a builtin array type is read through JDBC (arrays read the same in every phase)."""
    tp = modes.time_precision
    match oid:
        case 1182:
            return _date(modes, False)._replace(convert=temporal.date_jdbc)
        case 1183:
            mapping = _time(typmod, modes)
            micros = mapping.schema is not None and mapping.schema.type is Type.INT64
            return mapping._replace(convert=temporal.time_micros_jdbc if micros else temporal.time_millis_jdbc)
        case 1115:
            mapping = _timestamp(typmod, modes)
            micros = tp != "connect" and _precision(typmod) > 3
            return mapping._replace(
                convert=temporal.timestamp_micros_jdbc if micros else temporal.timestamp_millis_jdbc
            )
        case 1185:
            return _string(ZONED_TIMESTAMP, temporal.zoned_timestamp(_precision(typmod), jdbc=True))
        case 1270:
            return _string(ZONED_TIME, temporal.zoned_time)
        case 1231:
            mapping = _numeric(typmod, modes)
            # NaN and infinities fail an array in every mode
            convert = {"string": values.finite_decimal_string, "double": values.finite_decimal_double}.get(
                modes.decimal, mapping.convert
            )
            return mapping._replace(loader_oid=TEXT, convert=_from_text(convert, mapping.loader_oid))
        case 1001:
            return ColumnMapping(_binary_schema(modes), BYTEA, values.binary(modes.binary))
    return None


def _from_text(convert: Converter | None, loader: int) -> Converter | None:
    """A numeric element read as text, converted as the scalar's loader and conversion would."""
    if loader == TEXT:
        return convert
    if convert is None:
        return Decimal
    return lambda text: convert(Decimal(text))


def _array(oid: int, element: int, typmod: int, modes: TypeModes, lookup: TypeLookup) -> ColumnMapping:
    if oid in _NATIVE_ARRAYS:
        inner = _scalar(element, typmod, modes, False)
        assert inner is not None and inner.schema is not None
        return ColumnMapping(Schema.array(inner.schema.as_optional()), oid, None)
    if oid in _TEXT_ARRAYS:
        inner = _scalar(element, typmod, modes, False)
        assert inner is not None and inner.schema is not None
        return ColumnMapping(Schema.array(inner.schema.as_optional()), TEXT_ARRAY, None)
    listed = _element(oid, typmod, modes)
    if listed is not None:
        assert listed.schema is not None
        loader = BYTEA_ARRAY if listed.loader_oid == BYTEA else TEXT_ARRAY
        return ColumnMapping(Schema.array(listed.schema.as_optional()), loader, _each(listed.convert))
    info = lookup(element)
    if info is not None and info.kind == "e":  # enum elements are required: a NULL one fails the array
        item = _named(Type.STRING, ENUM, {"allowed": ",".join(info.labels)})
        return ColumnMapping(Schema.array(item), TEXT_ARRAY, _each(None, nulls=False))
    if info is not None and info.kind == "d":  # Debezium has no schema for arrays of domains: unknown types
        return _UNMAPPED if not modes.include_unknown else _unknown_array(modes)
    if info is not None and info.name in ("hstore", "ltree", "citext"):
        inner = _extension(info, modes)
        assert inner is not None and inner.schema is not None
        # ltree arrays are read element by element with toString(): a NULL element fails the array.
        convert = _each(inner.convert, nulls=info.name != "ltree")
        return ColumnMapping(Schema.array(inner.schema.as_optional()), TEXT_ARRAY, convert)
    if element in _GEOMETRIC:  # Debezium declares them but cannot read the elements JDBC hands it
        schema = _GEOMETRIC_MAPPINGS[element].schema
        assert schema is not None
        if element == 603:  # box[] separates its elements with ';', which the text[] loader does not know
            return ColumnMapping(Schema.array(schema.as_optional()), TEXT, _box_array)
        return ColumnMapping(Schema.array(schema.as_optional()), TEXT_ARRAY, _each(_fails))
    if element == 3614:  # tsvector: required elements
        return ColumnMapping(Schema.array(_named(Type.STRING, TSVECTOR)), TEXT_ARRAY, _each(None, nulls=False))
    return _UNMAPPED if not modes.include_unknown else _unknown_array(modes)


def _unknown_array(modes: TypeModes) -> ColumnMapping:
    """An array of an unknown type with include.unknown.datatypes: each element's text, required."""
    item = _unknown(modes)
    assert item.schema is not None
    return ColumnMapping(Schema.array(item.schema), TEXT_ARRAY, _each(item.convert, nulls=False))


# -- placeholders and fallbacks ---------------------------------------------------------------
def toast_placeholder(schema: Schema, placeholder: str = UNAVAILABLE_VALUE) -> Any:
    """The value standing for an unchanged TOASTed column of this schema, as Debezium writes it."""
    if schema.type is Type.BYTES:
        return placeholder.encode()
    if schema.type is Type.ARRAY and schema.value_schema is not None:
        item = schema.value_schema.type
        if item in (Type.INT8, Type.INT16, Type.INT32, Type.INT64):
            return list(placeholder.encode())
        if item is Type.BYTES:
            return [placeholder.encode()]
        return [placeholder]
    return placeholder


def required_fallback(schema: Schema) -> Any:
    """What Debezium writes for a NOT NULL column the server did not send (the old row of a delete
    under REPLICA IDENTITY DEFAULT holds only the key): never null, so typed consumers (Avro) accept it."""
    match schema.name:
        case "io.debezium.time.ZonedTimestamp":
            return "1970-01-01T00:00:00Z"
        case "io.debezium.time.ZonedTime":
            return "00:00:00Z"
        case "org.apache.kafka.connect.data.Decimal":
            return Decimal(0)
        case "org.apache.kafka.connect.data.Date" | "org.apache.kafka.connect.data.Time":
            return 0
        case "org.apache.kafka.connect.data.Timestamp":
            return 0
        case "io.debezium.data.VariableScaleDecimal":
            return {"scale": 0, "value": b"\x00"}
    return {
        Type.INT8: 0,
        Type.INT16: 0,
        Type.INT32: 0,
        Type.INT64: 0,
        Type.FLOAT32: 0.0,
        Type.FLOAT64: 0.0,
        Type.BOOLEAN: False,
        Type.STRING: "",
        Type.BYTES: b"",
        Type.ARRAY: [],
        Type.MAP: {},
    }.get(schema.type)
