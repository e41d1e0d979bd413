"""SetSchemaMetadata: sets the name and/or version of the key or value schema."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import ConfigDef, Importance, Type
from connect.data import Schema
from connect.data import Type as SchemaType
from connect.errors import ConfigException
from transforms._base import (
    KAFKA_TRANSFORMS,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    defaults_of,
    fill_defaults,
    require_schema,
    schema_cache,
    variants,
    with_replace_null,
)


class SetSchemaMetadata(PartTransform):
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef()
        .define("schema.name", Type.STRING, None, Importance.HIGH, "Schema name to set.")
        .define("schema.version", Type.INT, None, Importance.HIGH, "Schema version to set.")
    )
    doc: ClassVar[str] = """
        Sets the name, the version or both of the record {part} schema, for example to match the subject
        naming a schema registry expects. The record must have a {part} schema (a record with neither schema
        nor {part} passes through).

        ```
        transforms=name
        transforms.name.type=SetSchemaMetadata${Part}
        transforms.name.schema.name=com.example.Order
        transforms.name.schema.version=2
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._name: str | None = config["schema.name"]
        self._version: int | None = config["schema.version"]
        if self._name is None and self._version is None:
            raise ConfigException("schema.name", None, "Neither schema name nor version configured")
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._plans = schema_cache(self._plan)

    def _plan(self, schema: Schema) -> tuple[Schema, dict[str, Any]]:
        changes: dict[str, Any] = {}
        if self._name is not None:
            changes["name"] = self._name
        if self._version is not None:
            changes["version"] = self._version
        is_struct = schema.type is SchemaType.STRUCT
        return schema.with_(**changes), defaults_of(schema) if is_struct and self._replace_null else {}

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        if schema is None and value is None:
            return record
        new_schema, defaults = self._plans.get(require_schema(schema, "updating schema metadata"))
        if defaults and isinstance(value, dict):
            value = fill_defaults(dict(value), defaults)
        return self.part.put(record, new_schema, value)


SetSchemaMetadataKey, SetSchemaMetadataValue = variants(SetSchemaMetadata, KAFKA_TRANSFORMS + "SetSchemaMetadata")
