"""DropHeaders: removes the headers with the configured names."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type
from transforms._base import KAFKA_TRANSFORMS, NON_EMPTY_LIST, R, Transform


class DropHeaders(Transform):
    aliases: ClassVar[tuple[str, ...]] = (KAFKA_TRANSFORMS + "DropHeaders",)
    config_def: ClassVar[ConfigDef] = ConfigDef().define(
        "headers",
        Type.LIST,
        NO_DEFAULT,
        Importance.HIGH,
        "The name of the headers to be removed.",
        validator=NON_EMPTY_LIST,
    )
    doc: ClassVar[str] = """
        Removes every header whose key is one of `headers` from each record; other headers keep their order.

        ```
        transforms=dropTrace
        transforms.dropTrace.type=DropHeaders
        transforms.dropTrace.headers=traceparent,tracestate
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._names = frozenset(config["headers"])

    def apply(self, record: R) -> R:
        if not record.headers:
            return record
        kept = tuple(h for h in record.headers if h.key not in self._names)
        return record if len(kept) == len(record.headers) else record.replace(headers=kept)
