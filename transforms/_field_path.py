"""Field paths as Kafka Connect's `field.syntax.version` reads them (KIP-821).

V1: the whole text names one top-level field. V2: dots step into nested structs or maps, and a name
holding dots is wrapped in backticks (`` `a.b`.c ``), a backtick inside one escaped with a backslash.
"""

from __future__ import annotations

from typing import Any

from connect.config import ConfigDef, Importance, Type, ValidString
from connect.data import Field, Schema
from connect.errors import ConfigException
from transforms._base import require_map, require_struct

FIELD_SYNTAX_VERSION = "field.syntax.version"


def with_field_syntax(config_def: ConfigDef) -> ConfigDef:
    """`config_def` plus the `field.syntax.version` key."""
    return config_def.define(
        FIELD_SYNTAX_VERSION,
        Type.STRING,
        "V1",
        Importance.HIGH,
        "The syntax of field paths: `V1` names a top-level field; `V2` steps into nested structs and maps "
        "with dots, and wraps a name that holds dots in backticks (`` `foo.bar`.baz ``).",
        validator=ValidString.in_("V1", "V2"),
    )


def _steps_v2(path: str, key: str) -> list[str]:
    steps: list[str] = []
    i, n = 0, len(path)
    while 0 <= i < n:
        if path[i] != "`":
            dot = path.find(".", i)
            steps.append(path[i:] if dot < 0 else path[i:dot])
            i = n if dot < 0 else dot + 1
            continue
        opened, start, name = i, i + 1, []
        i += 1
        while True:
            i = path.find("`", i)
            if i < 0:
                raise ConfigException(
                    key,
                    path,
                    f"Incomplete backtick pair in path: [{path}], consider adding a "
                    f"backslash before backtick at position {opened} to escape it",
                )
            escaped = path[i - 1] == "\\"
            if i >= n - 1:
                if escaped:
                    raise ConfigException(
                        key,
                        path,
                        f"Incomplete backtick pair in path: [{path}], consider adding "
                        f"a backslash before backtick at position {opened} to escape it",
                    )
                name.append(path[start:i])
                steps.append("".join(name))
                i += 1
                break
            if path[i + 1] != ".":
                i += 1
                continue
            if escaped:
                name.append(path[start : i - 1] + "`")
                i += 1
                start = i
                continue
            name.append(path[start:i])
            steps.append("".join(name))
            i += 2
            break
    if path.endswith("."):
        steps.append("")
    return steps


class FieldPath:
    """A path to one (possibly nested) field."""

    __slots__ = ("steps", "text")

    def __init__(self, text: str, version: str, key: str) -> None:
        self.text = text
        self.steps = _steps_v2(text, key) if version.upper() == "V2" else [text]

    def field_in(self, schema: Schema) -> Field | None:
        """The field the path names in a struct schema, or None."""
        current = schema
        for step in self.steps[:-1]:
            if not current.has_field(step):
                return None
            current = current.field(step).schema
        return current.field(self.steps[-1]) if current.has_field(self.steps[-1]) else None

    def value_in_struct(self, schema: Schema, value: dict, with_default: bool) -> Any:
        """The value at the path in a struct (None when a step is missing or null)."""
        current_schema, current = schema, value
        for step in self.steps[:-1]:
            if not current_schema.has_field(step):
                return None
            current_schema = current_schema.field(step).schema
            nested = current.get(step)
            if nested is None:
                return None
            current = require_struct(current_schema, nested, "nested field access")
        last = self.steps[-1]
        if not current_schema.has_field(last):
            return None
        found = current.get(last)
        if found is None and with_default:
            return current_schema.field(last).schema.default
        return found

    def value_in_map(self, value: dict) -> Any:
        """The value at the path in nested maps (None when a step is missing or null)."""
        current = value
        for step in self.steps[:-1]:
            nested = current.get(step)
            if nested is None:
                return None
            current = require_map(nested, "nested field access")
        return current.get(self.steps[-1])
