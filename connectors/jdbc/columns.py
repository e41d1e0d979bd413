"""Connect schemas → column kinds: what a field holds, decided once per schema, dialect-neutral.

The dialects map each kind to a SQL type (for CREATE/ALTER) and to a value encoder (for writes).
Debezium's semantic types (io.debezium.time.*, io.debezium.data.*) and Kafka Connect's logical
types each get their own kind, because their values differ (days, millis, micros, ISO strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from connect.data import Schema, Type
from connect.data.logical import DATE, DECIMAL, TIME, TIMESTAMP
from connect.errors import DataException


class Kind(Enum):
    INT8 = auto()
    INT16 = auto()
    INT32 = auto()
    INT64 = auto()
    FLOAT32 = auto()
    FLOAT64 = auto()
    BOOLEAN = auto()
    STRING = auto()
    BYTES = auto()
    DECIMAL = auto()  # decimal.Decimal, fixed scale
    VARIABLE_DECIMAL = auto()  # Debezium VariableScaleDecimal: {"scale", "value": unscaled bytes}
    DATE = auto()  # datetime.date (Connect Date)
    DATE_DAYS = auto()  # int days since the epoch (Debezium Date)
    TIME = auto()  # datetime.time (Connect Time)
    TIME_MILLIS = auto()  # int (Debezium Time)
    TIME_MICROS = auto()  # int (Debezium MicroTime)
    TIMESTAMP = auto()  # datetime.datetime, UTC (Connect Timestamp)
    TIMESTAMP_MILLIS = auto()  # int (Debezium Timestamp)
    TIMESTAMP_MICROS = auto()  # int (Debezium MicroTimestamp)
    ZONED_TIMESTAMP = auto()  # ISO-8601 string with offset (Debezium ZonedTimestamp)
    ZONED_TIME = auto()  # ISO-8601 time string with offset (Debezium ZonedTime)
    DURATION_MICROS = auto()  # int (Debezium MicroDuration)
    JSON = auto()  # JSON text (Debezium Json)
    UUID = auto()  # text (Debezium Uuid)
    ENUM = auto()  # text (Debezium Enum)
    ARRAY = auto()  # list of `element`
    DOCUMENT = auto()  # map or struct: written as JSON


_BY_NAME = {
    DECIMAL: Kind.DECIMAL,
    DATE: Kind.DATE,
    TIME: Kind.TIME,
    TIMESTAMP: Kind.TIMESTAMP,
    "io.debezium.data.VariableScaleDecimal": Kind.VARIABLE_DECIMAL,
    "io.debezium.time.Date": Kind.DATE_DAYS,
    "io.debezium.time.Time": Kind.TIME_MILLIS,
    "io.debezium.time.MicroTime": Kind.TIME_MICROS,
    "io.debezium.time.Timestamp": Kind.TIMESTAMP_MILLIS,
    "io.debezium.time.MicroTimestamp": Kind.TIMESTAMP_MICROS,
    "io.debezium.time.ZonedTimestamp": Kind.ZONED_TIMESTAMP,
    "io.debezium.time.ZonedTime": Kind.ZONED_TIME,
    "io.debezium.time.MicroDuration": Kind.DURATION_MICROS,
    "io.debezium.data.Json": Kind.JSON,
    "io.debezium.data.Uuid": Kind.UUID,
    "io.debezium.data.Enum": Kind.ENUM,
}
_BY_TYPE = {
    Type.INT8: Kind.INT8,
    Type.INT16: Kind.INT16,
    Type.INT32: Kind.INT32,
    Type.INT64: Kind.INT64,
    Type.FLOAT32: Kind.FLOAT32,
    Type.FLOAT64: Kind.FLOAT64,
    Type.BOOLEAN: Kind.BOOLEAN,
    Type.STRING: Kind.STRING,
    Type.BYTES: Kind.BYTES,
    Type.MAP: Kind.DOCUMENT,
    Type.STRUCT: Kind.DOCUMENT,
}
# The underlying type each named kind must have: a schema named like a logical type but of another type is
# taken as its plain type, as Kafka Connect does.
_CARRIER = {
    Kind.DECIMAL: Type.BYTES,
    Kind.VARIABLE_DECIMAL: Type.STRUCT,
    Kind.DATE: Type.INT32,
    Kind.DATE_DAYS: Type.INT32,
    Kind.TIME: Type.INT32,
    Kind.TIME_MILLIS: Type.INT32,
    Kind.TIME_MICROS: Type.INT64,
    Kind.TIMESTAMP: Type.INT64,
    Kind.TIMESTAMP_MILLIS: Type.INT64,
    Kind.TIMESTAMP_MICROS: Type.INT64,
    Kind.ZONED_TIMESTAMP: Type.STRING,
    Kind.ZONED_TIME: Type.STRING,
    Kind.DURATION_MICROS: Type.INT64,
    Kind.JSON: Type.STRING,
    Kind.UUID: Type.STRING,
    Kind.ENUM: Type.STRING,
}


@dataclass(frozen=True, slots=True)
class Column:
    """A column as the records describe it: name, kind, nullability and the details DDL needs."""

    name: str
    kind: Kind
    optional: bool = True
    precision: int | None = None  # decimals: digits; times and timestamps: fraction digits
    scale: int | None = None
    element: Column | None = None  # arrays
    default: object = None

    @property
    def fraction_digits(self) -> int:
        if self.precision is not None:
            return self.precision
        return 3 if self.kind in (Kind.TIME, Kind.TIME_MILLIS, Kind.TIMESTAMP, Kind.TIMESTAMP_MILLIS) else 6


def column_of(name: str, schema: Schema) -> Column:
    """The column a field of this schema becomes."""
    kind = _BY_NAME.get(schema.name or "")
    if kind is not None and _CARRIER[kind] is not schema.type:
        kind = None
    if kind is None:
        if schema.type is Type.ARRAY:
            assert schema.value_schema is not None
            return Column(name, Kind.ARRAY, schema.optional, element=column_of(name, schema.value_schema))
        kind = _BY_TYPE[schema.type]
    params = schema.parameters or {}
    precision = scale = None
    if kind is Kind.DECIMAL:
        scale = _int(params.get("scale"), name)
        precision = _int(params.get("connect.decimal.precision"), name)
    elif kind is Kind.ZONED_TIMESTAMP or kind is Kind.ZONED_TIME:
        precision = 6
    return Column(name, kind, schema.optional, precision, scale, default=schema.default)


def _int(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise DataException(f"field {name}: decimal parameter {raw!r} is not a number") from None


def primitive_key_column(name: str, schema: Schema) -> Column:
    """The column of a primitive record key (pk.mode=record_key with one pk.fields name)."""
    if not schema.type.is_primitive:
        raise DataException(f"a {schema.type} key is not a primitive")
    return column_of(name, schema)
