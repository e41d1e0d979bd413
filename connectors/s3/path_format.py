"""Joda-Time date patterns (Confluent's `path.format`), compiled once into a formatter of aware datetimes.

    >>> PathFormat.compile("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", "en").format(
    ...     datetime.datetime(2026, 3, 7, 15, tzinfo=datetime.UTC))
    'year=2026/month=03/day=07/hour=15'

Text in quotes is literal (`''` is a quote); runs of a pattern letter are fields, with Joda's meaning and
padding; other characters are literal. Month, day and half-day names are English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from connect.errors import ConfigException

Part = Callable[[dt.datetime], str]
_MONTHS = (
    "January February March April May June July August September October November December".split()  # noqa: SIM905
)
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()  # noqa: SIM905
_TEXT_LETTERS = frozenset("EaG")


def _number(get: Callable[[dt.datetime], int], width: int) -> Part:
    return lambda d: str(get(d)).zfill(width)


def _year(get: Callable[[dt.datetime], int], count: int) -> Part:
    if count == 2:
        return lambda d: str(get(d) % 100).zfill(2)
    return _number(get, count)


def _offset(d: dt.datetime, colon: bool) -> str:
    delta = d.utcoffset() or dt.timedelta()
    sign = "-" if delta < dt.timedelta() else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}{':' if colon else ''}{minutes % 60:02d}"


def _zone_id(d: dt.datetime) -> str:
    return str(getattr(d.tzinfo, "key", None) or d.tzname() or "UTC")


def _field(letter: str, count: int) -> Part | None:
    """The formatter of one run of a pattern letter, or None for a letter Joda does not know."""
    match letter:
        case "y" | "Y":
            return _year(lambda d: d.year, count)
        case "x":
            return _year(lambda d: d.isocalendar()[0], count)
        case "C":
            return _number(lambda d: d.year // 100, count)
        case "M" if count >= 4:
            return lambda d: _MONTHS[d.month - 1]
        case "M" if count == 3:
            return lambda d: _MONTHS[d.month - 1][:3]
        case "M":
            return _number(lambda d: d.month, count)
        case "d":
            return _number(lambda d: d.day, count)
        case "D":
            return _number(lambda d: d.timetuple().tm_yday, count)
        case "w":
            return _number(lambda d: d.isocalendar()[1], count)
        case "e":
            return _number(lambda d: d.isoweekday(), count)
        case "E":
            return (lambda d: _DAYS[d.weekday()]) if count >= 4 else (lambda d: _DAYS[d.weekday()][:3])
        case "a":
            return lambda d: "AM" if d.hour < 12 else "PM"
        case "G":
            return lambda d: "AD"
        case "H":
            return _number(lambda d: d.hour, count)
        case "k":
            return _number(lambda d: d.hour or 24, count)
        case "K":
            return _number(lambda d: d.hour % 12, count)
        case "h":
            return _number(lambda d: d.hour % 12 or 12, count)
        case "m":
            return _number(lambda d: d.minute, count)
        case "s":
            return _number(lambda d: d.second, count)
        case "S":
            return lambda d: f"{d.microsecond // 1000:03d}".ljust(count, "0")[:count]
        case "z":
            return _zone_id if count >= 4 else (lambda d: d.tzname() or "UTC")
        case "Z":
            return (lambda d: _offset(d, count == 2)) if count <= 2 else _zone_id
    return None


def _tokens(pattern: str) -> list[tuple[str, int]]:
    """(letter, run length) for fields and (text, 0) for literals."""
    out: list[tuple[str, int]] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            if pattern.startswith("''", i):
                out.append(("'", 0))
                i += 2
                continue
            end, text = i + 1, []
            while end < n:
                if pattern.startswith("''", end):
                    text.append("'")
                    end += 2
                elif pattern[end] == "'":
                    break
                else:
                    text.append(pattern[end])
                    end += 1
            if end >= n:
                raise ConfigException("path.format", pattern, "Unterminated quote")
            out.append(("".join(text), 0))
            i = end + 1
        elif c.isascii() and c.isalpha():
            j = i
            while j < n and pattern[j] == c:
                j += 1
            out.append((c, j - i))
            i = j
        else:
            out.append((c, 0))
            i += 1
    return out


@dataclass(frozen=True, slots=True)
class PathFormat:
    parts: tuple[str | Part, ...]

    @classmethod
    def compile(cls, pattern: str, locale: str) -> PathFormat:
        parts: list[str | Part] = []
        english = locale.lower().replace("_", "-").split("-")[0] == "en"
        for text, count in _tokens(pattern):
            if count == 0:
                parts.append(text)
                continue
            field = _field(text, count)
            if field is None:
                raise ConfigException("path.format", pattern, f"Illegal pattern component: {text * count}")
            if not english and (text in _TEXT_LETTERS or (text == "M" and count >= 3)):
                raise ConfigException("locale", locale, "Month and day names in path.format are English only")
            parts.append(field)
        return cls(tuple(parts))

    def format(self, when: dt.datetime) -> str:
        return "".join(p if isinstance(p, str) else p(when) for p in self.parts)
