"""ConfigDef: the one declaration of a plugin's keys (name, type, default, validator, doc, group).

>>> cfg = ConfigDef().define("batch.size", Type.INT, 100, Importance.MEDIUM, "Records per batch.",
...                          validator=Range.at_least(1))
>>> cfg.parse({"batch.size": "500"})["batch.size"]
500
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from connect.config.validators import Range, ValidList, ValidString
from connect.errors import ConfigException
from connect.secrets import MASK, Password, mask_config


class Type(StrEnum):
    """Config value types, named as Kafka Connect's ConfigDef.Type."""

    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    INT = "INT"
    SHORT = "SHORT"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    LIST = "LIST"
    CLASS = "CLASS"
    PASSWORD = "PASSWORD"


class Importance(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class Width(StrEnum):
    NONE = "NONE"
    SHORT = "SHORT"
    MEDIUM = "MEDIUM"
    LONG = "LONG"


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()
"""Marks a required key: parsing fails when it is absent."""

Validator = Callable[[str, Any], None]
Recommender = Callable[[Mapping[str, Any]], list[Any]]
_INT_BOUNDS = {Type.SHORT: 2**15, Type.INT: 2**31, Type.LONG: 2**63}


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """One declared key."""

    name: str
    type: Type
    default: Any
    importance: Importance
    documentation: str
    validator: Validator | None = None
    group: str | None = None
    order: int = -1
    width: Width = Width.NONE
    display_name: str | None = None
    dependents: tuple[str, ...] = ()
    recommender: Recommender | None = None
    internal: bool = False

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT


@dataclass(slots=True)
class ConfigValue:
    """The validation result of one key, shaped like Kafka Connect's ConfigValue."""

    name: str
    value: Any = None
    recommended_values: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    visible: bool = True


def _parse_bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise ConfigException(name, raw, "Expected value to be either true or false")


def _parse_int(name: str, raw: Any, kind: Type) -> int:
    if isinstance(raw, bool):
        raise ConfigException(name, raw, f"Expected value to be a {kind.lower()} number")
    try:
        value = int(raw.strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        raise ConfigException(name, raw, f"Not a number of type {kind}") from None
    if isinstance(raw, float) and raw != value:
        raise ConfigException(name, raw, f"Not a number of type {kind}")
    bound = _INT_BOUNDS[kind]
    if not -bound <= value < bound:
        raise ConfigException(name, raw, f"Out of range for type {kind}")
    return value


def _parse_list(name: str, raw: Any) -> list[str]:
    if isinstance(raw, (list, tuple)):
        return [str(v).strip() for v in raw]
    if isinstance(raw, str):
        raw = raw.strip()
        return [] if not raw else [part.strip() for part in raw.split(",")]
    raise ConfigException(name, raw, "Expected a comma-separated list")


def parse_type(name: str, kind: Type, raw: Any) -> Any:
    """Convert a raw (usually string) value to the declared type, or raise ConfigException."""
    if raw is None:
        return None
    match kind:
        case Type.BOOLEAN:
            return _parse_bool(name, raw)
        case Type.INT | Type.SHORT | Type.LONG:
            return _parse_int(name, raw, kind)
        case Type.DOUBLE:
            try:
                return float(raw.strip()) if isinstance(raw, str) else float(raw)
            except (TypeError, ValueError):
                raise ConfigException(name, raw, "Not a number of type DOUBLE") from None
        case Type.LIST:
            return _parse_list(name, raw)
        case Type.PASSWORD:
            return Password(raw.value if isinstance(raw, Password) else str(raw))
        case Type.STRING | Type.CLASS:
            if not isinstance(raw, str):
                raise ConfigException(name, raw, "Expected value to be a string")
            return raw.strip()
    raise ConfigException(name, raw, f"Unknown type {kind}")  # pragma: no cover


class ConfigDef:
    """An ordered set of ConfigKeys. `define` returns self so declarations chain."""

    def __init__(self, keys: Iterable[ConfigKey] = ()) -> None:
        self._keys: dict[str, ConfigKey] = {}
        self._groups: list[str] = []
        for key in keys:
            self._add(key)

    def _add(self, key: ConfigKey) -> None:
        if key.name in self._keys:
            raise ValueError(f"config key {key.name} is defined twice")
        if key.default is not NO_DEFAULT and key.default is not None and key.validator is not None:
            key.validator(key.name, parse_type(key.name, key.type, key.default))
        self._keys[key.name] = key
        if key.group and key.group not in self._groups:
            self._groups.append(key.group)

    def define(
        self,
        name: str,
        type: Type,
        default: Any,
        importance: Importance,
        documentation: str,
        *,
        validator: Validator | None = None,
        group: str | None = None,
        width: Width = Width.NONE,
        display_name: str | None = None,
        dependents: Iterable[str] = (),
        recommender: Recommender | None = None,
        internal: bool = False,
    ) -> ConfigDef:
        order = sum(1 for k in self._keys.values() if k.group == group) + 1 if group else -1
        self._add(
            ConfigKey(
                name,
                type,
                default,
                importance,
                documentation,
                validator,
                group,
                order,
                width,
                display_name or name,
                tuple(dependents),
                recommender,
                internal,
            )
        )
        return self

    def merge(self, other: ConfigDef) -> ConfigDef:
        """A new ConfigDef holding this one's keys followed by the other's."""
        return ConfigDef([*self._keys.values(), *other._keys.values()])

    def with_prefix(self, prefix: str, group: str | None = None) -> ConfigDef:
        """A copy whose keys are renamed `prefix + name` (for `transforms.<alias>.` keys)."""
        return ConfigDef(
            replace(k, name=prefix + k.name, group=group or k.group, display_name=prefix + (k.display_name or k.name))
            for k in self._keys.values()
        )

    @property
    def keys(self) -> Mapping[str, ConfigKey]:
        return self._keys

    @property
    def groups(self) -> list[str]:
        return list(self._groups)

    def __contains__(self, name: str) -> bool:
        return name in self._keys

    # -- parsing --------------------------------------------------------------------------
    def parse_key(self, key: ConfigKey, props: Mapping[str, Any]) -> Any:
        raw = props.get(key.name, key.default)
        if raw is NO_DEFAULT:
            raise ConfigException(key.name, None, "Missing required configuration with no default value")
        value = parse_type(key.name, key.type, raw)
        if key.validator is not None and (value is not None or key.required):
            key.validator(key.name, value)
        return value

    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Parse and validate every declared key; raise ConfigException naming the first bad key.

        Keys not declared are kept as they are (plugins read `prefix.*` groups from them).
        """
        parsed: dict[str, Any] = {k: v for k, v in props.items() if k not in self._keys}
        for key in self._keys.values():
            parsed[key.name] = self.parse_key(key, props)
        return parsed

    def validate(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        """Check every key and collect all errors (never raises for bad values)."""
        results: dict[str, ConfigValue] = {}
        parsed: dict[str, Any] = {}
        for key in self._keys.values():
            result = ConfigValue(key.name, props.get(key.name, None if key.required else key.default))
            try:
                parsed[key.name] = self.parse_key(key, props)
            except ConfigException as exc:
                if key.required and props.get(key.name) is None:
                    result.errors.append(f'Missing required configuration "{key.name}" which has no default value.')
                else:
                    result.errors.append(str(exc))
            results[key.name] = result
        for key in self._keys.values():
            if key.recommender is not None:
                try:
                    results[key.name].recommended_values = list(key.recommender(parsed))
                except Exception:  # a recommender must never break validation
                    results[key.name].recommended_values = []
        return results

    # -- rendering ------------------------------------------------------------------------
    @staticmethod
    def render_default(key: ConfigKey) -> str | None:
        if key.default is NO_DEFAULT or key.default is None:
            return None
        if key.type is Type.PASSWORD:
            return MASK
        if isinstance(key.default, bool):
            return str(key.default).lower()
        if isinstance(key.default, (list, tuple)):
            return ",".join(str(v) for v in key.default)
        return str(key.default)

    def to_markdown(self, title: str, intro: str = "", *, level: int = 1) -> str:
        """A docs section: a heading of `level`, the intro, then one table per group (one row per key)."""
        hashes = "#" * level
        lines = [f"{hashes} {title}", ""]
        if intro:
            lines += [intro.strip(), ""]
        visible = [k for k in self._keys.values() if not k.internal]
        if not visible:
            return "\n".join([*lines, "No configuration keys.", ""])
        for group in [*self._groups, None]:
            keys = [k for k in visible if k.group == group]
            if not keys:
                continue
            if group:
                lines += [f"{hashes}# {_escape_tags(group)}", ""]
            lines += ["| key | type | default | valid values | importance | description |", "|---|---|---|---|---|---|"]
            for k in keys:
                cells = (
                    f"`{k.name}`",
                    k.type.lower(),
                    _markdown_default(k),
                    describe_validator(k.validator),
                    k.importance.lower(),
                    k.documentation,
                )
                lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
            lines.append("")
        return "\n".join(lines)


def _cell(text: str) -> str:
    """One table cell: a single line, pipes escaped."""
    return _escape_tags(re.sub(r"\s+", " ", text).strip().replace("|", "\\|"))


def _escape_tags(text: str) -> str:
    """`<alias>` outside code spans would be read as an HTML tag and vanish from the page."""
    parts = text.split("`")
    parts[::2] = [p.replace("<", "&lt;").replace(">", "&gt;") for p in parts[::2]]
    return "`".join(parts)


def _markdown_default(key: ConfigKey) -> str:
    if key.required:
        return "*required*"
    rendered = ConfigDef.render_default(key)
    if rendered is None:
        return "null"
    return '`""`' if rendered == "" else f"`{rendered}`"


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def describe_validator(validator: Validator | None) -> str:
    """What a validator accepts, in words fit for a docs table ("" when it cannot say)."""
    if validator is None:
        return ""
    if isinstance(validator, Range):
        low = "..." if validator.low is None else _number(validator.low)
        high = "..." if validator.high is None else _number(validator.high)
        return f"[{low},...]" if validator.high is None else f"[{low},...,{high}]"
    if isinstance(validator, (ValidString, ValidList)):
        return "one of " + ", ".join(f"`{a}`" for a in validator.allowed)
    if type(validator).__str__ is not object.__str__:
        return str(validator)
    doc = (getattr(validator, "__doc__", None) or "").strip().splitlines()
    return doc[0].rstrip(".").lower() if doc and not isinstance(validator, type) else ""


def password_keys(config_def: ConfigDef | None) -> set[str]:
    """The keys declared as passwords."""
    return set() if config_def is None else {k.name for k in config_def.keys.values() if k.type is Type.PASSWORD}


def mask_secrets(config_def: ConfigDef | None, props: Mapping[str, Any]) -> dict[str, Any]:
    """Props fit to show (`connect.secrets.mask_config`), with the keys `config_def` declares as passwords."""
    return mask_config(props, password_keys(config_def))
