"""InsertHeader: adds a header with a literal value to each record."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type
from connect.converters.values import parse
from connect.data import Header
from transforms._base import KAFKA_TRANSFORMS, R, Transform


class InsertHeader(Transform):
    aliases: ClassVar[tuple[str, ...]] = (KAFKA_TRANSFORMS + "InsertHeader",)
    config_def: ClassVar[ConfigDef] = (
        ConfigDef()
        .define("header", Type.STRING, NO_DEFAULT, Importance.HIGH, "The name of the header.")
        .define(
            "value.literal",
            Type.STRING,
            NO_DEFAULT,
            Importance.HIGH,
            "The literal value that is to be set as the header value on all records.",
        )
    )
    doc: ClassVar[str] = """
        Adds a header with a fixed value to each record. The literal is read as Kafka Connect reads header
        text, so its type is inferred: `42` is an int8, `true` a boolean, `[1,2]` an array, `2024-01-31` a
        date, and anything else a string.

        ```
        transforms=origin
        transforms.origin.type=InsertHeader
        transforms.origin.header=origin
        transforms.origin.value.literal=eu-west
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        schema, value = parse(config["value.literal"])
        self._header = Header(config["header"], value, schema)

    def apply(self, record: R) -> R:
        return record.replace(headers=(*record.headers, self._header))
