"""MaskField: replaces fields with the empty value of their type, or with a configured replacement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Type
from connect.data import Schema
from connect.data import Type as SchemaType
from connect.errors import DataException
from transforms._base import (
    KAFKA_TRANSFORMS,
    NON_EMPTY_LIST,
    REPLACE_NULL_WITH_DEFAULT,
    PartTransform,
    R,
    defaults_of,
    fill_defaults,
    require_map,
    require_struct,
    schema_cache,
    type_name,
    variants,
    with_replace_null,
)
from transforms._java_numbers import INT_BITS, float_to_int, parse_big_decimal, to_float32

PURPOSE = "mask fields"


def _empty(value: Any) -> Any:
    """The "null value" of a value's type: 0, false, empty string, empty list or map, the epoch."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0
    if isinstance(value, Decimal):
        return Decimal(0)
    if isinstance(value, str):
        return ""
    if isinstance(value, dt.datetime):
        return dt.datetime(1970, 1, 1, tzinfo=value.tzinfo)
    if isinstance(value, dt.date):
        return dt.date(1970, 1, 1)
    if isinstance(value, dt.time):
        return dt.time(0)
    if isinstance(value, (list, tuple)):
        return []
    if isinstance(value, dict):
        return {}
    raise DataException(f"Cannot mask value of type: {type_name(value)}")


class MaskField(PartTransform):
    config_def: ClassVar[ConfigDef] = with_replace_null(
        ConfigDef()
        .define("fields", Type.LIST, NO_DEFAULT, Importance.HIGH, "Names of fields to mask.", validator=NON_EMPTY_LIST)
        .define(
            "replacement",
            Type.STRING,
            None,
            Importance.LOW,
            "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty "
            "string values only).",
            validator=NonEmptyString,
        )
    )
    doc: ClassVar[str] = """
        Masks fields of the record {part}. Each listed field is replaced by the empty value of its type (0,
        false, empty string, empty list or map, the epoch), or by `replacement` converted to the field's type
        when that is a number or a string. Null fields stay null; a null {part} is an error, as in Kafka
        Connect.

        ```
        transforms=mask
        transforms.mask.type=MaskField${Part}
        transforms.mask.fields=ssn,card_number
        transforms.mask.replacement=****
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._fields: list[str] = list(dict.fromkeys(config["fields"]))
        self._masked = frozenset(self._fields)
        self._replacement: str | None = config["replacement"]
        self._replace_null: bool = config[REPLACE_NULL_WITH_DEFAULT]
        self._defaults = schema_cache(defaults_of)

    def apply(self, record: R) -> R:
        schema, value = self.part.get(record)
        if schema is None:
            updated = dict(require_map(value, PURPOSE))
            for name in self._fields:
                updated[name] = self._mask(value.get(name), None)
            return self.part.put(record, None, updated)
        require_struct(schema, value, PURPOSE)
        defaults = self._defaults.get(schema) if self._replace_null else None
        updated = fill_defaults(dict(value), defaults) if defaults else dict(value)
        for field in schema.fields:
            if field.name in self._masked:
                updated[field.name] = self._mask(updated.get(field.name), field.schema)
        return self.part.put(record, schema, updated)

    def _mask(self, value: Any, schema: Schema | None) -> Any:
        if value is None:
            return None
        if self._replacement is None:
            return _empty(value)
        return self._replace(value, schema)

    def _replace(self, value: Any, schema: Schema | None) -> Any:
        text = self._replacement
        assert text is not None
        if isinstance(value, str):
            return text
        try:
            if isinstance(value, Decimal):
                return parse_big_decimal(text)
            if isinstance(value, int) and not isinstance(value, bool):
                bits = INT_BITS.get(schema.type, 64) if schema is not None else 64
                return float_to_int(parse_big_decimal(text), bits)
            if isinstance(value, float):
                number = float(parse_big_decimal(text))
                return to_float32(number) if schema is not None and schema.type is SchemaType.FLOAT32 else number
        except ValueError:
            raise DataException(f"Unable to convert {text} (String) to number") from None
        raise DataException(f"Cannot mask value of type {type_name(value)} with custom replacement.")


MaskFieldKey, MaskFieldValue = variants(MaskField, KAFKA_TRANSFORMS + "MaskField")
