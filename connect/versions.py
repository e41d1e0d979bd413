"""Plugin version requirements as Kafka Connect reads them: `latest`, a version (exactly it), or Maven ranges.

>>> requirement("[3.0,4.0)").contains("3.7.0.Final"), requirement("2.1").contains("2.1.0")
(True, True)
>>> requirement("latest") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUALIFIERS = {"alpha": 0, "a": 0, "beta": 1, "b": 1, "milestone": 2, "m": 2, "rc": 3, "cr": 3, "snapshot": 4}
_RELEASE = 5  # no qualifier, or final/ga/release
_QUALIFIERS |= {"": _RELEASE, "final": _RELEASE, "ga": _RELEASE, "release": _RELEASE, "sp": 6}


def version_key(version: str) -> tuple[tuple[int, ...], int, str]:
    """Orders versions as Maven does for the usual shapes: numbers, then a qualifier (1.0-rc1 < 1.0 = 1.0.0)."""
    numbers: list[int] = []
    parts = re.split(r"[.\-]", version.strip().lower())
    while parts and parts[0].isdigit():
        numbers.append(int(parts.pop(0)))
    while numbers and numbers[-1] == 0:
        numbers.pop()
    qualifier = re.sub(r"\d+$", "", parts[0]) if parts else ""
    rest = ".".join(parts)
    return tuple(numbers), _QUALIFIERS.get(qualifier, _RELEASE), rest if qualifier not in _QUALIFIERS else ""


@dataclass(frozen=True, slots=True)
class Bound:
    low: str | None
    low_inclusive: bool
    high: str | None
    high_inclusive: bool

    def contains(self, version: str) -> bool:
        key = version_key(version)
        if self.low is not None:
            low = version_key(self.low)
            if key < low or (key == low and not self.low_inclusive):
                return False
        if self.high is not None:
            high = version_key(self.high)
            if key > high or (key == high and not self.high_inclusive):
                return False
        return True


@dataclass(frozen=True, slots=True)
class VersionRange:
    """One or more Maven ranges (`[1.0,2.0)`, `[1.5]`, `(,1.0],[1.2,)`); a version matches any of them."""

    spec: str
    bounds: tuple[Bound, ...]

    def contains(self, version: str) -> bool:
        return any(b.contains(version) for b in self.bounds)

    def __str__(self) -> str:
        return self.spec


_RANGE = re.compile(r"\s*([\[(])([^\[\]()]*)([\])])\s*(?:,|$)")


def requirement(spec: str | None) -> VersionRange | None:
    """The versions `spec` allows; None for any (`latest` or nothing). A bare version means exactly it, as in
    Kafka Connect. Raises ValueError for a spec that does not parse."""
    if spec is None or spec.strip() in ("", "latest"):
        return None
    text = spec.strip()
    if text[0] not in "[(":
        text = f"[{text}]"
    bounds: list[Bound] = []
    position = 0
    while position < len(text):
        match = _RANGE.match(text, position)
        if match is None:
            raise ValueError(f"Invalid version specification: {spec}")
        bounds.append(_bound(spec, *match.groups()))
        position = match.end()
    return VersionRange(text, tuple(bounds))


def _bound(spec: str, opening: str, inside: str, closing: str) -> Bound:
    low, comma, high = (part.strip() for part in inside.partition(","))
    if not comma:  # `[1.0]`: exactly that version
        if opening != "[" or closing != "]" or not low:
            raise ValueError(f"Invalid version specification: {spec}")
        return Bound(low, True, low, True)
    if "," in high or (low and high and version_key(low) > version_key(high)):
        raise ValueError(f"Invalid version specification: {spec}")
    return Bound(low or None, opening == "[" and bool(low), high or None, closing == "]" and bool(high))
