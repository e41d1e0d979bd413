"""Reusable validators for ConfigDef keys; each raises ConfigException naming the key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connect.errors import ConfigException


@dataclass(frozen=True, slots=True)
class Range:
    """A number within [low, high] (either bound optional)."""

    low: float | None = None
    high: float | None = None

    @staticmethod
    def at_least(low: float) -> Range:
        return Range(low, None)

    @staticmethod
    def between(low: float, high: float) -> Range:
        return Range(low, high)

    def __call__(self, name: str, value: Any) -> None:
        if value is None:
            return
        if self.low is not None and value < self.low:
            raise ConfigException(name, value, f"Value must be at least {self.low:g}")
        if self.high is not None and value > self.high:
            raise ConfigException(name, value, f"Value must be no more than {self.high:g}")

    def __str__(self) -> str:
        return f"[{'...' if self.low is None else f'{self.low:g}'},...,{'' if self.high is None else f'{self.high:g}'}]"


NonNegative = Range.at_least(0)


@dataclass(frozen=True, slots=True)
class ValidString:
    """One of a fixed set of strings (case-insensitive unless told otherwise)."""

    allowed: tuple[str, ...]
    case_sensitive: bool = False

    @staticmethod
    def in_(*allowed: str, case_sensitive: bool = False) -> ValidString:
        return ValidString(tuple(allowed), case_sensitive)

    def __call__(self, name: str, value: Any) -> None:
        if value is None:
            return
        ok = value in self.allowed if self.case_sensitive else str(value).lower() in {a.lower() for a in self.allowed}
        if not ok:
            raise ConfigException(name, value, f"String must be one of: {', '.join(self.allowed)}")

    def __str__(self) -> str:
        return "[" + ", ".join(self.allowed) + "]"


@dataclass(frozen=True, slots=True)
class ValidList:
    """A list whose every item is one of a fixed set."""

    allowed: tuple[str, ...]

    @staticmethod
    def in_(*allowed: str) -> ValidList:
        return ValidList(tuple(allowed))

    def __call__(self, name: str, value: Any) -> None:
        for item in value or ():
            if item not in self.allowed:
                raise ConfigException(name, value, f"Invalid value {item}; allowed: {', '.join(self.allowed)}")


def NonEmptyString(name: str, value: Any) -> None:
    """A string that is not blank."""
    if value is not None and not str(value).strip():
        raise ConfigException(name, value, "String must be non-empty")


def NonEmptyStringWithoutControlChars(name: str, value: Any) -> None:
    """A string that is not blank and holds no control character (U+0000-U+001F, U+007F-U+009F)."""
    NonEmptyString(name, value)
    if value is None:
        return
    controls = sorted({f"U+{ord(c):04X}" for c in str(value) if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F})
    if controls:
        raise ConfigException(name, value, f"String may not contain control characters, found {', '.join(controls)}")


def ValidRegex(name: str, value: Any) -> None:
    """A regular expression that compiles (a list of them for LIST keys)."""
    for pattern in value if isinstance(value, list) else [value]:
        if pattern is None:
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigException(name, value, f"Invalid regular expression: {exc}") from None


def CompositeValidator(*validators: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    """Run several validators in order."""

    def check(name: str, value: Any) -> None:
        for v in validators:
            v(name, value)

    return check
