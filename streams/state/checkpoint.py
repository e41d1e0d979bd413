"""Checkpoint files: the changelog offset each persistent store's local copy is complete up to."""

from __future__ import annotations

import json
import os
from pathlib import Path

NAME = ".checkpoint"


def read(folder: Path) -> dict[str, int]:
    """`{"<topic>:<partition>": next offset}`; empty when there is no (readable) checkpoint."""
    try:
        data = json.loads((folder / NAME).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write(folder: Path, offsets: dict[str, int]) -> None:
    """Atomically: a crash leaves the old file or the new one, never half of one."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (NAME + ".tmp")
    tmp.write_text(json.dumps(offsets, sort_keys=True))
    os.replace(tmp, folder / NAME)


def key(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"
