"""HeaderFrom: moves or copies fields of the key or value into headers."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type, ValidString
from connect.data import Header, Schema
from connect.errors import ConfigException, DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    NON_EMPTY_LIST,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    require_map,
    require_struct,
    schema_cache,
    struct_basics,
    variants,
    with_replace_null,
)


class _Plan:
    """For one input schema: the schema left after a move, and each header's field schema and default."""

    __slots__ = ("headers", "kept", "schema")

    def __init__(
        self, schema: Schema, kept: tuple[tuple[str, Any], ...], headers: tuple[tuple[str, str, Schema, Any], ...]
    ) -> None:
        self.schema = schema
        self.kept = kept
        self.headers = headers


class HeaderFrom(PartTransform):
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef()
        .define(
            "fields",
            Type.LIST,
            NO_DEFAULT,
            Importance.HIGH,
            "Field names in the record whose values are to be copied or moved to headers.",
            validator=NON_EMPTY_LIST,
        )
        .define(
            "headers",
            Type.LIST,
            NO_DEFAULT,
            Importance.HIGH,
            "Header names, in the same order as the field names listed in the fields configuration property.",
            validator=NON_EMPTY_LIST,
        )
        .define(
            "operation",
            Type.STRING,
            NO_DEFAULT,
            Importance.HIGH,
            "Either `move` if the fields are to be moved to the headers (removed from the key/value), or "
            "`copy` if the fields are to be copied to the headers (retained in the key/value).",
            validator=ValidString.in_("move", "copy", case_sensitive=True),
        )
    )
    doc: ClassVar[str] = """
        Moves or copies fields of the record {part} into headers. The n-th field of `fields` becomes the
        header named by the n-th entry of `headers`, with the field's schema as the header schema; `move` also
        removes the fields from the {part}.

        ```
        transforms=trace
        transforms.trace.type=HeaderFrom${Part}
        transforms.trace.fields=trace_id
        transforms.trace.headers=traceparent
        transforms.trace.operation=move
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._fields: list[str] = config["fields"]
        self._headers: list[str] = config["headers"]
        if len(self._fields) != len(self._headers):
            raise ConfigException(
                "headers",
                ",".join(self._headers),
                "'fields' config must have the same number of elements as 'headers' config.",
            )
        self._move = config["operation"] == "move"
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._plans = schema_cache(self._plan)

    def _plan(self, schema: Schema) -> _Plan:
        headers = []
        for field, header in zip(self._fields, self._headers, strict=True):
            if not schema.has_field(field):
                raise DataException(
                    f"Field {field} is not in the {self.part.name} schema "
                    f"{schema.name or '<unnamed>'}, so it cannot go to header {header}"
                )
            s = schema.field(field).schema
            headers.append((field, header, s, s.default if self._replace_null else None))
        moved = set(self._fields) if self._move else set()
        kept = tuple(f for f in schema.fields if f.name not in moved)
        new_schema = Schema.struct(fields=kept, **struct_basics(schema)) if self._move else schema
        keep = tuple((f.name, f.schema.default if self._replace_null else None) for f in kept)
        return _Plan(new_schema, keep, tuple(headers))

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        purpose = f"header {'move' if self._move else 'copy'}"
        if schema is None:
            value = require_map(value, purpose)
            added = tuple(Header(h, value.get(f)) for f, h in zip(self._fields, self._headers, strict=True))
            if self._move:
                moved = set(self._fields)
                value = {k: v for k, v in value.items() if k not in moved}
            return self.part.put(record, None, value, headers=(*record.headers, *added))
        require_struct(schema, value, purpose)
        plan = self._plans.get(schema)
        added = tuple(Header(h, default if (v := value.get(f)) is None else v, s) for f, h, s, default in plan.headers)
        if self._move:
            value = {name: default if (v := value.get(name)) is None else v for name, default in plan.kept}
        return self.part.put(record, plan.schema, value, headers=(*record.headers, *added))


HeaderFromKey, HeaderFromValue = variants(HeaderFrom, KAFKA_TRANSFORMS + "HeaderFrom")
