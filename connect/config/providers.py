"""Config providers: `${env:NAME}` and `${file:/path:key}` references, resolved only inside tasks.

The stored and displayed config keeps the reference as written; only the copy handed to a
connector or task has the secret, so it never reaches REST responses or logs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from connect.errors import ConfigException

# `${provider:argument}`; templates such as `${topic}` (no colon) are not references.
_REFERENCE = re.compile(r"\$\{([A-Za-z][\w.\-]*):([^}]*)\}")
PROVIDERS = ("env", "file")


def _read_properties(path: Path) -> dict[str, str]:
    from connect.config.properties import parse_properties

    return parse_properties(path.read_text(encoding="utf-8"))


def _resolve_one(name: str, provider: str, arg: str) -> str:
    if provider not in PROVIDERS:
        # Kafka Connect passes a reference to an unconfigured provider on as text; a password would then be the
        # reference itself, so this names the mistake up front instead.
        raise ConfigException(
            name, f"${{{provider}:{arg}}}", f"unknown config provider '{provider}' (known: {', '.join(PROVIDERS)})"
        )
    if provider == "env":
        if arg not in os.environ:
            raise ConfigException(name, f"${{env:{arg}}}", f"environment variable {arg} is not set")
        return os.environ[arg]
    path, sep, key = arg.rpartition(":")
    if not sep:
        path, key = arg, ""
    file = Path(path)
    try:
        if not key:
            return file.read_text(encoding="utf-8").strip()
        values = _read_properties(file)
    except OSError as exc:
        raise ConfigException(name, f"${{file:{arg}}}", f"cannot read {path}: {exc.strerror}") from None
    if key not in values:
        raise ConfigException(name, f"${{file:{arg}}}", f"no key {key} in {path}")
    return values[key]


def _resolve_match(name: str, match: re.Match[str]) -> str:
    return _resolve_one(name, match.group(1), match.group(2))


def resolve(props: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of props with every provider reference replaced by its value."""
    out: dict[str, Any] = {}
    for name, value in props.items():
        if isinstance(value, str) and "${" in value:
            value = _REFERENCE.sub(partial(_resolve_match, name), value)
        out[name] = value
    return out
