"""Connect schemas as Arrow types (for Parquet), and the check that required fields hold values.

int8..int64, float, double, boolean, string and bytes map to their Arrow types; Decimal to decimal128
(decimal256 beyond 38 digits; the precision from `connect.decimal.precision`, else 38), Date to date32,
Time to time32[ms], Timestamp to timestamp[ms, UTC]; arrays to lists, maps to maps, structs to structs.
Optional schemas are nullable fields; list items and map values are always nullable (Parquet readers
accept it, and a null there is then no reason to reject a whole row).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from connect.converters.avro_schema import DECIMAL_PRECISION
from connect.data import Schema, Type
from connect.data.logical import DATE, DECIMAL, TIME, TIMESTAMP, decimal_scale
from connect.errors import DataException

_PRIMITIVES = {
    Type.INT8: pa.int8(),
    Type.INT16: pa.int16(),
    Type.INT32: pa.int32(),
    Type.INT64: pa.int64(),
    Type.FLOAT32: pa.float32(),
    Type.FLOAT64: pa.float64(),
    Type.BOOLEAN: pa.bool_(),
    Type.STRING: pa.string(),
    Type.BYTES: pa.binary(),
}
_LOGICAL = {DATE: pa.date32(), TIME: pa.time32("ms"), TIMESTAMP: pa.timestamp("ms", tz="UTC")}


def arrow_type(schema: Schema) -> pa.DataType:
    if schema.name == DECIMAL:
        precision = int((schema.parameters or {}).get(DECIMAL_PRECISION, 38))
        scale = decimal_scale(schema)
        return pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(min(precision, 76), scale)
    if schema.name in _LOGICAL:
        return _LOGICAL[schema.name]
    if schema.type is Type.STRUCT:
        return pa.struct([pa.field(f.name, arrow_type(f.schema), f.schema.optional) for f in schema.fields])
    if schema.type is Type.ARRAY:
        assert schema.value_schema is not None
        return pa.list_(pa.field("element", arrow_type(schema.value_schema), True))
    if schema.type is Type.MAP:
        assert schema.key_schema is not None and schema.value_schema is not None
        return pa.map_(arrow_type(schema.key_schema), pa.field("value", arrow_type(schema.value_schema), True))
    return _PRIMITIVES[schema.type]


def arrow_schema(schema: Schema) -> pa.Schema:
    """The Arrow schema of a struct Connect schema (Parquet files hold records)."""
    if schema.type is not Type.STRUCT:
        raise DataException(f"ParquetFormat needs struct values, not {schema.type}")
    return pa.schema([pa.field(f.name, arrow_type(f.schema), f.schema.optional) for f in schema.fields])


def rows_missing_required(batch: pa.RecordBatch) -> list[int]:
    """Rows holding a null where the schema requires a value (in a struct that is itself present)."""
    bad: pa.Array | None = None
    for field, column in zip(batch.schema, batch.columns, strict=True):
        bad = _or(bad, _missing(field, column, None))
    if bad is None or not pc.any(bad).as_py():
        return []
    return pc.indices_nonzero(bad).to_pylist()


def _missing(field: pa.Field, column: pa.Array, present: pa.Array | None) -> pa.Array | None:
    bad = None
    if not field.nullable and column.null_count:
        nulls = pc.is_null(column)
        bad = nulls if present is None else pc.and_(present, nulls)
    if pa.types.is_struct(field.type):
        inner_present = pc.is_valid(column) if present is None else pc.and_(present, pc.is_valid(column))
        for i in range(field.type.num_fields):
            bad = _or(bad, _missing(field.type.field(i), column.field(i), inner_present))
    return bad


def _or(a: pa.Array | None, b: pa.Array | None) -> pa.Array | None:
    if a is None:
        return b
    return a if b is None else pc.or_(a, b)
