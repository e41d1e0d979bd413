"""TimestampConverter: converts timestamps between text, epoch numbers and Date/Time/Timestamp values."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type, ValidString
from connect.data import OPTIONAL_INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, Schema
from connect.data import Type as SchemaType
from connect.data.logical import (
    DATE,
    TIME,
    TIMESTAMP,
    date_schema,
    date_to_days,
    days_to_date,
    millis_to_time,
    millis_to_timestamp,
    time_schema,
    time_to_millis,
    timestamp_schema,
    timestamp_to_millis,
)
from connect.data.schema import INT64_SCHEMA, STRING_SCHEMA
from connect.errors import ConfigException, DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    require_map,
    require_struct,
    schema_cache,
    struct_basics,
    type_name,
    variants,
    with_replace_null,
)
from transforms._date_format import JavaDateFormat

PURPOSE = "converting timestamp formats"
STRING, UNIX, DATE_T, TIME_T, TIMESTAMP_T = "string", "unix", "Date", "Time", "Timestamp"
_DAY_MS = 86_400_000
_SCHEMAS = {  # target type: (optional schema, required schema)
    STRING: (OPTIONAL_STRING_SCHEMA, STRING_SCHEMA),
    UNIX: (OPTIONAL_INT64_SCHEMA, INT64_SCHEMA),
    DATE_T: (date_schema(optional=True), date_schema()),
    TIME_T: (time_schema(optional=True), time_schema()),
    TIMESTAMP_T: (timestamp_schema(optional=True), timestamp_schema()),
}
# unix.precision: (milliseconds per unit, units per millisecond)
_UNITS = {"seconds": (1000, 1), "milliseconds": (1, 1), "microseconds": (1, 1000), "nanoseconds": (1, 1_000_000)}


def _trunc_div(value: int, divisor: int) -> int:
    """Java's integer division (and TimeUnit conversions): rounds toward zero."""
    q = abs(value) // divisor
    return q if value >= 0 else -q


def _kind_of_schema(schema: Schema) -> str:
    if schema.name == TIMESTAMP:
        return TIMESTAMP_T
    if schema.name == DATE:
        return DATE_T
    if schema.name == TIME:
        return TIME_T
    if schema.type is SchemaType.STRING:
        return STRING
    if schema.type is SchemaType.INT64:
        return UNIX
    raise DataException(f"Schema {schema.name or schema.type} does not correspond to a known timestamp type format")


def _kind_of_value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return TIMESTAMP_T
    if isinstance(value, dt.date):
        return DATE_T
    if isinstance(value, dt.time):
        return TIME_T
    if isinstance(value, int) and not isinstance(value, bool):
        return UNIX
    if isinstance(value, str):
        return STRING
    raise DataException(f"TimestampConverter does not support {type_name(value)} objects as timestamps")


class _Plan:
    __slots__ = ("fields", "schema")

    def __init__(self, schema: Schema, fields: tuple[tuple[str, str | DataException | None, Any], ...]) -> None:
        self.schema = schema
        self.fields = fields  # name, source kind (None: not converted; an error: not convertible), null default


class TimestampConverter(PartTransform):
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef()
        .define(
            "field",
            Type.STRING,
            "",
            Importance.HIGH,
            "The field containing the timestamp, or empty if the entire value is a timestamp",
        )
        .define(
            "target.type",
            Type.STRING,
            NO_DEFAULT,
            Importance.HIGH,
            "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
            validator=ValidString.in_(STRING, UNIX, DATE_T, TIME_T, TIMESTAMP_T, case_sensitive=True),
        )
        .define(
            "format",
            Type.STRING,
            "",
            Importance.MEDIUM,
            "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when "
            "type=string or used to parse the input if the input is a string.",
        )
        .define(
            "unix.precision",
            Type.STRING,
            "milliseconds",
            Importance.LOW,
            "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or "
            "nanoseconds. Used to generate the output when type=unix or used to parse the input if the input "
            "is a Long. Note: This SMT will cause precision loss during conversions from, and to, values with "
            "sub-millisecond components.",
            validator=ValidString.in_("nanoseconds", "microseconds", "milliseconds", "seconds", case_sensitive=True),
        )
    )
    doc: ClassVar[str] = """
        Converts a timestamp field of the record {part}, or the whole {part}, to another representation.
        The representations are text in a `java.text.SimpleDateFormat` pattern (read and written in UTC),
        Unix epoch numbers in `unix.precision` units, and Connect's Date, Time and Timestamp types; the schema
        follows. Without a schema the input's representation is inferred from its type.

        ```
        transforms=ts
        transforms.ts.type=TimestampConverter${Part}
        transforms.ts.field=created_at
        transforms.ts.target.type=string
        transforms.ts.format=yyyy-MM-dd'T'HH:mm:ss.SSS'Z'
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._field: str = config["field"]
        self._target: str = config["target.type"]
        pattern: str = config["format"]
        if self._target == STRING and not pattern.strip():
            raise ConfigException(
                "format",
                pattern,
                "TimestampConverter requires format option to be specified when using string timestamps",
            )
        self._format: JavaDateFormat | None = None
        if pattern.strip():
            try:
                self._format = JavaDateFormat(pattern)
            except ValueError as exc:
                raise ConfigException(
                    "format",
                    pattern,
                    f"TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {exc}",
                ) from None
        self._precision: str = config["unix.precision"]
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._plans = schema_cache(self._plan)

    # -- conversions through epoch milliseconds ----------------------------------------------
    def _to_millis(self, value: Any, kind: str) -> int:
        if kind == STRING:
            if not isinstance(value, str):
                raise DataException(f"Expected string timestamp to be a String, but found {type_name(value)}")
            if self._format is None:
                raise DataException(f"TimestampConverter needs `format` to read the string timestamp {value!r}")
            try:
                return self._format.parse(value)
            except ValueError:
                raise DataException(
                    f"Could not parse timestamp: value ({value}) does not match pattern ({self._format.pattern})"
                ) from None
        if kind == UNIX:
            if not isinstance(value, int) or isinstance(value, bool):
                raise DataException(f"Expected Unix timestamp to be a Long, but found {type_name(value)}")
            per_unit, per_milli = _UNITS[self._precision]
            return _trunc_div(value * per_unit, per_milli)
        if isinstance(value, dt.datetime):
            return timestamp_to_millis(value)
        if isinstance(value, dt.date):
            return date_to_days(value) * _DAY_MS
        if isinstance(value, dt.time):
            return time_to_millis(value)
        raise DataException(f"Expected {kind} to be a date or time value, but found {type_name(value)}")

    def _from_millis(self, millis: int) -> Any:
        target = self._target
        try:
            if target == UNIX:
                per_unit, per_milli = _UNITS[self._precision]
                return _trunc_div(millis * per_milli, per_unit)
            if target == STRING:
                assert self._format is not None
                return self._format.format(millis)
            if target == DATE_T:
                return days_to_date(millis // _DAY_MS)
            if target == TIME_T:
                return millis_to_time(millis % _DAY_MS)
            return millis_to_timestamp(millis)
        except (ValueError, OverflowError) as exc:
            raise DataException(f"Timestamp {millis} ms cannot be converted to {target}: {exc}") from None

    def _convert(self, value: Any, kind: str | None = None) -> Any:
        if value is None:
            return None
        return self._from_millis(self._to_millis(value, kind or _kind_of_value(value)))

    # -- records -----------------------------------------------------------------------------
    def _type_schema(self, optional: bool) -> Schema:
        return _SCHEMAS[self._target][0 if optional else 1]

    def _plan(self, schema: Schema) -> _Plan:
        if not self._field:
            return _Plan(self._type_schema(schema.optional), ())
        require_struct(schema, {}, PURPOSE)
        fields, plan = [], []
        for f in schema.fields:
            kind: str | DataException | None = None
            if f.name == self._field:
                fields.append((f.name, self._type_schema(f.schema.optional)))
                try:
                    kind = _kind_of_schema(f.schema)
                except DataException as exc:
                    kind = exc  # reported when a value is converted, as Kafka does
            else:
                fields.append((f.name, f.schema))
            plan.append((f.name, kind, f.schema.default if self._replace_null else None))
        planned = _Plan(Schema.struct(fields=fields, optional=schema.optional, **struct_basics(schema)), tuple(plan))
        if isinstance(schema.default, dict):
            planned.schema = planned.schema.with_(default=self._convert_struct(schema.default, planned))
        return planned

    def _convert_struct(self, value: dict, plan: _Plan) -> dict:
        updated = {}
        for name, kind, default in plan.fields:
            v = value.get(name)
            if v is None:
                v = default
            if kind is not None and v is not None:
                if isinstance(kind, DataException):
                    raise DataException(str(kind))
                v = self._from_millis(self._to_millis(v, kind))
            updated[name] = v
        return updated

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        if schema is None:
            if value is None or not self._field:
                return self.part.put(record, None, self._convert(value))
            value = require_map(value, PURPOSE)
            updated = dict(value)
            updated[self._field] = self._convert(value.get(self._field))
            return self.part.put(record, None, updated)
        if not self._field:
            kind = _kind_of_schema(schema)
            return self.part.put(record, self._type_schema(schema.optional), self._convert(value, kind))
        plan = self._plans.get(schema)
        if value is None:
            return self.part.put(record, plan.schema, None)
        return self.part.put(record, plan.schema, self._convert_struct(require_struct(schema, value, PURPOSE), plan))


TimestampConverterKey, TimestampConverterValue = variants(TimestampConverter, KAFKA_TRANSFORMS + "TimestampConverter")
