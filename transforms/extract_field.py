"""ExtractField: replaces the key or value with one of its fields."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type
from connect.errors import DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    require_map,
    require_struct,
    variants,
    with_replace_null,
)
from transforms._field_path import FIELD_SYNTAX_VERSION, FieldPath, with_field_syntax

PURPOSE = "field extraction"


class ExtractField(PartTransform):
    config_def: ClassVar[ConfigDef] = with_field_syntax(
        with_replace_null(
            ConfigDef().define("field", Type.STRING, NO_DEFAULT, Importance.MEDIUM, "Field name to extract.")
        )
    )
    doc: ClassVar[str] = """
        Replaces the record {part} with one of its fields: of a struct when there is a schema (the field's
        schema becomes the {part} schema), of a map otherwise. A null {part} passes through. With
        `field.syntax.version=V2` the field may be nested (`after.id`).

        ```
        transforms=id
        transforms.id.type=ExtractField${Part}
        transforms.id.field=id
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._path = FieldPath(config["field"], config[FIELD_SYNTAX_VERSION], "field")
        self._with_default: bool = config[REPLACE_NULL_WITH_DEFAULT]

    def apply(self, record: R) -> R:
        part = self.part
        schema, value = part.get(record)
        if schema is None:
            if value is None:
                return part.put(record, None, None)
            return part.put(record, None, self._path.value_in_map(require_map(value, PURPOSE)))
        if value is not None:
            require_struct(schema, value, PURPOSE)
        field = self._path.field_in(schema) if schema.fields else None
        if field is None:
            raise DataException(
                f"Unknown field: {self._path.text} (not in the {part.name} schema {schema.name or schema.type})"
            )
        if value is None:
            return part.put(record, field.schema, None)
        return part.put(record, field.schema, self._path.value_in_struct(schema, value, self._with_default))


ExtractFieldKey, ExtractFieldValue = variants(ExtractField, KAFKA_TRANSFORMS + "ExtractField")
