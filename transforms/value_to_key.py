"""ValueToKey: replaces the record key with a struct (or map) of fields taken from the value."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type
from connect.data import Schema
from connect.errors import DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    NON_EMPTY_LIST,
    REPLACE_NULL_WITH_DEFAULT,
    R,
    Transform,
    require_map,
    require_struct,
    schema_cache,
    with_replace_null,
)

PURPOSE = "copying fields from value to key"


class ValueToKey(Transform):
    aliases: ClassVar[tuple[str, ...]] = (KAFKA_TRANSFORMS + "ValueToKey",)
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef().define(
            "fields",
            Type.LIST,
            NO_DEFAULT,
            Importance.HIGH,
            "Field names on the record value to extract as the record key.",
            validator=NON_EMPTY_LIST,
        )
    )
    doc: ClassVar[str] = """
        Replaces the record key with a new key made of some fields of the value: a struct of those fields
        (in the listed order) when the value has a schema, a map otherwise. The value must not be null.

        ```
        transforms=key
        transforms.key.type=ValueToKey
        transforms.key.fields=tenant_id,order_id
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._fields: list[str] = config["fields"]
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._plans = schema_cache(self._plan)

    def _plan(self, schema: Schema) -> tuple[Schema, tuple[tuple[str, Any], ...]]:
        picked = []
        for name in self._fields:
            if not schema.has_field(name):
                raise DataException(f"Field does not exist: {name}")
            picked.append((name, schema.field(name).schema))
        defaults = tuple((name, s.default if self._replace_null else None) for name, s in picked)
        return Schema.struct(None, picked), defaults

    def apply(self, record: R) -> R:
        schema, value = record.value_schema, record.value
        if schema is None:
            value = require_map(value, PURPOSE)
            return record.replace(key_schema=None, key={name: value.get(name) for name in self._fields})
        require_struct(schema, value, PURPOSE)
        key_schema, fields = self._plans.get(schema)
        key = {}
        for name, default in fields:
            v = value.get(name)
            key[name] = default if v is None else v
        return record.replace(key_schema=key_schema, key=key)
