"""Filter: drops every record it is applied to (used behind a predicate)."""

from __future__ import annotations

from typing import ClassVar

from connect.config import ConfigDef
from connect.data import ConnectRecord
from transforms._base import KAFKA_TRANSFORMS, Transform


class Filter(Transform):
    aliases: ClassVar[tuple[str, ...]] = (KAFKA_TRANSFORMS + "Filter",)
    config_def: ClassVar[ConfigDef] = ConfigDef()
    doc: ClassVar[str] = """
        Drops every record it is applied to, so that later transforms and the converter never see it. Put it
        behind a predicate to keep or drop only some records: here every tombstone is dropped.

        ```
        transforms=dropTombstones
        transforms.dropTombstones.type=Filter
        transforms.dropTombstones.predicate=isTombstone
        predicates=isTombstone
        predicates.isTombstone.type=RecordIsTombstone
        ```
        """

    def apply(self, record: ConnectRecord) -> None:
        return None
