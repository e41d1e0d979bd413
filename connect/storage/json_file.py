"""The file stores' one file: JSON read whole, and rewritten whole atomically (temp file, fsync, rename).

A crash leaves either the old or the new content, never a torn file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from connect.errors import ConnectException


def read_json(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in `path` ({} when the file does not exist yet); `what` names it in errors."""
    if not path.exists():
        return {}
    try:
        data = orjson.loads(path.read_bytes() or b"{}")
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConnectException(f"cannot read {what} file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConnectException(f"cannot read {what} file {path}: not a JSON object")
    return data


def write_json(path: Path, data: Any) -> None:
    """Replace the file with `data` as indented JSON (keys sorted), or leave it as it was."""
    content = orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
