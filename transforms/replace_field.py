"""ReplaceField: keeps, drops and renames fields of the key or value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef, Importance, Type
from connect.data import Schema
from connect.errors import ConfigException
from transforms._base import (
    KAFKA_TRANSFORMS,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    fill_defaults,
    java_split,
    require_map,
    require_struct,
    schema_cache,
    struct_basics,
    variants,
    with_replace_null,
)

PURPOSE = "field replacement"
# Deprecated keys Kafka Connect read until 4.0, each standing for the key after it.
DEPRECATED = {"whitelist": "include", "blacklist": "exclude"}


def rename_pairs(name: str, items: list[str]) -> dict[str, str]:
    """`old:new` items as a mapping, split as Java's `String.split(":")` (trailing empty parts dropped)."""
    renames = {}
    for item in items:
        parts = java_split(item, ":")
        if len(parts) != 2:
            raise ConfigException(name, ",".join(items), f"Invalid rename mapping: {item}")
        renames[parts[0]] = parts[1]
    return renames


class RenameMappings:
    """Validates `renames`."""

    def __call__(self, name: str, value: Any) -> None:
        rename_pairs(name, value or [])

    def __str__(self) -> str:
        return "list of colon-delimited pairs, e.g. `foo:bar,abc:xyz`"


class _Plan:
    """For one input schema: the output schema, each output field's input field, and defaults of null fields."""

    __slots__ = ("defaults", "fields", "schema")

    def __init__(self, schema: Schema, fields: tuple[tuple[str, str], ...], defaults: dict[str, Any]) -> None:
        self.schema = schema
        self.fields = fields
        self.defaults = defaults


class ReplaceField(PartTransform):
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef()
        .define(
            "exclude",
            Type.LIST,
            [],
            Importance.MEDIUM,
            "Fields to exclude. This takes precedence over the fields to include.",
        )
        .define(
            "include",
            Type.LIST,
            [],
            Importance.MEDIUM,
            "Fields to include. If specified, only these fields will be used.",
        )
        .define(
            "renames",
            Type.LIST,
            [],
            Importance.MEDIUM,
            "Field rename mappings, as colon-delimited pairs: `foo:bar,abc:xyz`.",
            validator=RenameMappings(),
        )
        .define("blacklist", Type.LIST, None, Importance.LOW, "Deprecated. Use `exclude` instead.")
        .define("whitelist", Type.LIST, None, Importance.LOW, "Deprecated. Use `include` instead.")
    )
    doc: ClassVar[str] = """
        Keeps, drops and renames the fields of the record {part}, a struct with a schema or a map without.
        `exclude` drops fields and wins over `include`, which when set keeps only the fields it lists;
        `renames` then renames what is kept. The deprecated `blacklist` and `whitelist` are read as `exclude`
        and `include` when those are not set. A null {part} passes through.

        ```
        transforms=fields
        transforms.fields.type=ReplaceField${Part}
        transforms.fields.exclude=password_hash
        transforms.fields.renames=cust_id:customer_id,ts:updated_at
        ```
        """

    def configure(self, props: Mapping[str, Any]) -> None:
        translated = dict(props)
        for old, new in DEPRECATED.items():
            if old in translated and new not in translated:
                translated[new] = translated[old]
        super().configure(translated)

    def setup(self, config: dict[str, Any]) -> None:
        self._exclude = frozenset(config["exclude"])
        self._include = frozenset(config["include"])
        self._renames = rename_pairs("renames", config["renames"])
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._plans = schema_cache(self._plan)

    def _kept(self, name: Any) -> bool:
        return name not in self._exclude and (not self._include or name in self._include)

    def _plan(self, schema: Schema) -> _Plan:
        kept = [f for f in schema.fields if self._kept(f.name)]
        fields = [(self._renames.get(f.name, f.name), f.schema) for f in kept]
        mapping = tuple((self._renames.get(f.name, f.name), f.name) for f in kept)
        defaults = (
            {out: f.schema.default for (out, _), f in zip(mapping, kept, strict=True) if f.schema.default is not None}
            if self._replace_null
            else {}
        )
        return _Plan(Schema.struct(fields=fields, **struct_basics(schema)), mapping, defaults)

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        if value is None:
            return record
        if schema is None:
            renames = self._renames
            updated = {renames.get(k, k): v for k, v in require_map(value, PURPOSE).items() if self._kept(k)}
            return self.part.put(record, None, updated)
        require_struct(schema, value, PURPOSE)
        plan = self._plans.get(schema)
        get = value.get
        updated = {out: get(name) for out, name in plan.fields}
        if plan.defaults:
            fill_defaults(updated, plan.defaults)
        return self.part.put(record, plan.schema, updated)


ReplaceFieldKey, ReplaceFieldValue = variants(ReplaceField, KAFKA_TRANSFORMS + "ReplaceField")
