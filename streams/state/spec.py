"""How a store is declared in a topology: its name, backend kind, serdes and whether it has a changelog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from streams.serdes import JSON

StoreKind = Literal["rocksdb", "memory"]


@dataclass(frozen=True)
class StoreSpec:
    name: str
    kind: StoreKind = "rocksdb"
    key_serde: Any = JSON
    value_serde: Any = JSON
    logged: bool = True  # backed by `<application.id>-<name>-changelog`

    def changelog_topic(self, application_id: str) -> str:
        return f"{application_id}-{self.name}-changelog"
