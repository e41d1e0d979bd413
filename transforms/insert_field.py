"""InsertField: adds the record's topic, partition, offset, timestamp or a static value as fields."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, NamedTuple

from connect.config import ConfigDef, Importance, Type
from connect.data import OPTIONAL_INT32_SCHEMA, OPTIONAL_INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, ConnectRecord, Schema
from connect.data.logical import millis_to_timestamp, timestamp_schema
from connect.data.schema import INT32_SCHEMA, INT64_SCHEMA, STRING_SCHEMA
from connect.errors import ConfigException, DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    defaults_of,
    fill_defaults,
    require_map,
    require_sink_record,
    require_struct,
    schema_cache,
    struct_basics,
    variants,
    with_replace_null,
)

PURPOSE = "field insertion"
OPTIONALITY = "Suffix with `!` to make this a required field, or `?` to keep it optional (the default)."
# (config key, schema when optional, schema when required)
_FIELDS = (
    ("topic.field", OPTIONAL_STRING_SCHEMA, STRING_SCHEMA),
    ("partition.field", OPTIONAL_INT32_SCHEMA, INT32_SCHEMA),
    ("offset.field", OPTIONAL_INT64_SCHEMA, INT64_SCHEMA),
    ("timestamp.field", timestamp_schema(optional=True), timestamp_schema()),
    ("static.field", OPTIONAL_STRING_SCHEMA, STRING_SCHEMA),
)


class Insertion(NamedTuple):
    key: str
    name: str
    schema: Schema


def _insertion(key: str, spec: str | None, optional: Schema, required: Schema) -> Insertion | None:
    if spec is None:
        return None
    if spec.endswith("!"):
        return Insertion(key, spec[:-1], required)
    return Insertion(key, spec[:-1] if spec.endswith("?") else spec, optional)


def _timestamp(millis: int) -> Any:
    try:
        return millis_to_timestamp(millis)
    except (OverflowError, TypeError):
        raise DataException(f"Record timestamp {millis!r} is not a time between the years 1 and 9999") from None


class InsertField(PartTransform):
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef()
        .define("topic.field", Type.STRING, None, Importance.MEDIUM, "Field name for Kafka topic. " + OPTIONALITY)
        .define(
            "partition.field", Type.STRING, None, Importance.MEDIUM, "Field name for Kafka partition. " + OPTIONALITY
        )
        .define(
            "offset.field",
            Type.STRING,
            None,
            Importance.MEDIUM,
            "Field name for Kafka offset - only applicable to sink connectors. " + OPTIONALITY,
        )
        .define(
            "timestamp.field", Type.STRING, None, Importance.MEDIUM, "Field name for record timestamp. " + OPTIONALITY
        )
        .define(
            "static.field", Type.STRING, None, Importance.MEDIUM, "Field name for static data field. " + OPTIONALITY
        )
        .define("static.value", Type.STRING, None, Importance.MEDIUM, "Static field value, if field name configured.")
    )
    doc: ClassVar[str] = """
        Adds fields to the record {part} from the record's metadata or a static string. The metadata are the
        topic, partition, offset (sink records only) and timestamp. With a schema the fields are added to the
        struct's schema (the timestamp as a Timestamp); without one they go into the map (the timestamp as
        epoch milliseconds). A null {part} passes through.

        ```
        transforms=meta
        transforms.meta.type=InsertField${Part}
        transforms.meta.topic.field=kafka_topic
        transforms.meta.timestamp.field=kafka_ts!
        transforms.meta.static.field=origin
        transforms.meta.static.value=eu-west
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        found = [_insertion(key, config[key], optional, required) for key, optional, required in _FIELDS]
        self._insertions = [i for i in found if i is not None]
        if not self._insertions:
            raise ConfigException("topic.field", None, "No field insertion configured")
        self._static_value: str | None = config["static.value"]
        if found[4] is not None and self._static_value is None:
            raise ConfigException("static.value", None, f"No value specified for static field: {found[4].name}")
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._schemas = schema_cache(self._updated_schema)
        self._map_steps = self._steps(timestamp_as_millis=True)
        self._struct_steps = self._steps(timestamp_as_millis=False)

    def _updated_schema(self, schema: Schema) -> tuple[Schema, dict[str, Any]]:
        fields = [*((f.name, f.schema) for f in schema.fields), *((i.name, i.schema) for i in self._insertions)]
        defaults = defaults_of(schema) if self._replace_null else {}
        return Schema.struct(fields=fields, **struct_basics(schema)), defaults

    def _steps(self, timestamp_as_millis: bool) -> tuple[tuple[str, Callable[[ConnectRecord], Any], bool], ...]:
        """Per insertion: the field name, what it takes from the record, and whether a null is left out."""
        static = self._static_value
        take: dict[str, tuple[Callable[[ConnectRecord], Any], bool]] = {
            "topic.field": (attrgetter("topic"), False),
            "partition.field": (attrgetter("kafka_partition"), True),
            "offset.field": (lambda r: require_sink_record(r, PURPOSE).kafka_offset, False),
            "timestamp.field": (
                attrgetter("timestamp")
                if timestamp_as_millis
                else lambda r: None if r.timestamp is None else _timestamp(r.timestamp),
                True,
            ),
            "static.field": (lambda r: static, False),
        }
        return tuple((i.name, *take[i.key]) for i in self._insertions)

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        if value is None:
            return record
        if schema is None:
            updated, new_schema, steps = dict(require_map(value, PURPOSE)), None, self._map_steps
        else:
            require_struct(schema, value, PURPOSE)
            new_schema, defaults = self._schemas.get(schema)
            updated, steps = dict(value), self._struct_steps
            if defaults:
                fill_defaults(updated, defaults)
        for name, take, skip_null in steps:
            v = take(record)
            if v is not None or not skip_null:
                updated[name] = v
        return self.part.put(record, new_schema, updated)


InsertFieldKey, InsertFieldValue = variants(InsertField, KAFKA_TRANSFORMS + "InsertField")
