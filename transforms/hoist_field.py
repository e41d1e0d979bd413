"""HoistField: wraps the key or value in a struct (or map) with a single field."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type
from connect.data import Schema
from transforms._base import KAFKA_TRANSFORMS, PartTransform, R, schema_cache, variants


class HoistField(PartTransform):
    config_def: ClassVar[ConfigDef] = ConfigDef().define(
        "field",
        Type.STRING,
        NO_DEFAULT,
        Importance.MEDIUM,
        "Field name for the single field that will be created in the resulting Struct or Map.",
    )
    doc: ClassVar[str] = """
        Wraps the record {part} in a struct with one field. The field is named `field`; with a schema the
        struct's schema has that one field, without one the {part} becomes a map with one entry: `42` becomes
        `{"id": 42}` here.

        ```
        transforms=wrap
        transforms.wrap.type=HoistField${Part}
        transforms.wrap.field=id
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._field: str = config["field"]
        self._schemas = schema_cache(lambda schema: Schema.struct(None, [(self._field, schema)]))

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        return self.part.put(record, None if schema is None else self._schemas.get(schema), {self._field: value})


HoistFieldKey, HoistFieldValue = variants(HoistField, KAFKA_TRANSFORMS + "HoistField")
