"""`java.text.SimpleDateFormat` patterns (`yyyyMMdd`, `yyyy-MM-dd'T'HH:mm:ss.SSSZ`) in UTC, English, lenient.

TimestampConverter and TimestampRouter take these patterns; this formats epoch milliseconds with one and
parses text back the way SimpleDateFormat does: fields may overflow into the next (month 13 is January
of the next year), text after the pattern is ignored, and a two-digit `yy` year lands within 80 years
before and 20 after today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_LETTERS = frozenset("GyMdkHmsSEDFwWahKzZYuXL")
_NUMERIC = frozenset("yYdkHmsSDFwWhKu") | {"M<3", "L<3"}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZONE = r"(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}|(?:GMT|UTC|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z][A-Za-z_/+-]*)"

Token = tuple[str, int] | str  # (letter, count) or literal text


def _tokenize(pattern: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            if pattern.startswith("''", i):
                tokens.append("'")
                i += 2
                continue
            end = i + 1
            text = []
            while True:
                if end >= n:
                    raise ValueError("Unterminated quote")
                if pattern[end] == "'":
                    if pattern.startswith("''", end):
                        text.append("'")
                        end += 2
                        continue
                    break
                text.append(pattern[end])
                end += 1
            tokens.append("".join(text))
            i = end + 1
        elif c.isascii() and c.isalpha():
            if c not in _LETTERS:
                raise ValueError(f"Illegal pattern character '{c}'")
            j = i
            while j < n and pattern[j] == c:
                j += 1
            if c == "X" and j - i > 3:
                raise ValueError(f"invalid ISO 8601 format: length={j - i}")
            tokens.append((c, j - i))
            i = j
        else:
            tokens.append(c)
            i += 1
    return tokens


def _is_numeric(token: Token | None) -> bool:
    if not isinstance(token, tuple):
        return False
    letter, count = token
    return letter in _NUMERIC or (letter in "ML" and count < 3)


def _week_of_year(d: dt.date) -> tuple[int, int]:
    """(week, week-year) with US rules: weeks start on Sunday, week 1 holds January 1st."""
    week_end = d + dt.timedelta(days=6 - (d.weekday() + 1) % 7) if d.year < 9999 else d
    if week_end.year > d.year:  # the week holding next January 1st is week 1 of next year
        return 1, d.year + 1
    offset = (dt.date(d.year, 1, 1).weekday() + 1) % 7
    return (d.timetuple().tm_yday - 1 + offset) // 7 + 1, d.year


def _pad(value: int, count: int) -> str:
    return str(value).zfill(count)


def _format_field(letter: str, count: int, t: dt.datetime) -> str:
    if letter in "yY":
        year = _week_of_year(t.date())[1] if letter == "Y" else t.year
        return f"{year % 100:02d}" if count == 2 else _pad(year, count)
    if letter in "ML":
        if count >= 4:
            return _MONTHS[t.month - 1]
        return _MONTHS[t.month - 1][:3] if count == 3 else _pad(t.month, count)
    if letter == "E":
        name = _DAYS[t.weekday()]
        return name if count >= 4 else name[:3]
    simple: dict[str, Callable[[dt.datetime], int | str]] = {
        "G": lambda t: "AD",
        "d": lambda t: t.day,
        "H": lambda t: t.hour,
        "k": lambda t: t.hour or 24,
        "K": lambda t: t.hour % 12,
        "h": lambda t: t.hour % 12 or 12,
        "m": lambda t: t.minute,
        "s": lambda t: t.second,
        "S": lambda t: t.microsecond // 1000,
        "D": lambda t: t.timetuple().tm_yday,
        "F": lambda t: (t.day - 1) // 7 + 1,
        "u": lambda t: t.isoweekday(),
        "w": lambda t: _week_of_year(t.date())[0],
        "W": lambda t: (t.day - 1 + (t.replace(day=1).weekday() + 1) % 7) // 7 + 1,
        "a": lambda t: "AM" if t.hour < 12 else "PM",
        "z": lambda t: "Coordinated Universal Time" if count >= 4 else "UTC",
        "Z": lambda t: "+0000",
        "X": lambda t: "Z",
    }
    value = simple[letter](t)
    return value if isinstance(value, str) else _pad(value, count)


def _names(names: tuple[str, ...]) -> str:
    forms = sorted({*names, *(n[:3] for n in names)}, key=len, reverse=True)
    return "(?i:(" + "|".join(forms) + "))"


def _zone_offset(text: str, local: dt.datetime) -> dt.timedelta:
    upper = text.upper()
    for prefix in ("GMT", "UTC", "UT"):
        if upper.startswith(prefix):
            upper = upper[len(prefix) :]
            break
    if upper in ("", "Z"):
        return dt.timedelta(0)
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", upper)
    if m:
        delta = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return -delta if m.group(1) == "-" else delta
    try:
        offset = local.replace(tzinfo=ZoneInfo(text)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {text!r}") from None
    return offset or dt.timedelta(0)


class JavaDateFormat:
    """One SimpleDateFormat pattern, in UTC. The constructor raises ValueError for an invalid pattern."""

    __slots__ = ("_regex", "_slots", "_tokens", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._tokens = _tokenize(pattern)
        parts: list[str] = []
        self._slots: list[tuple[str, int]] = []
        for i, token in enumerate(self._tokens):
            if isinstance(token, str):
                parts.append(re.escape(token))
                continue
            letter, count = token
            if _is_numeric(token):
                nxt = self._tokens[i + 1] if i + 1 < len(self._tokens) else None
                parts.append(f"(\\d{{{count}}})" if _is_numeric(nxt) else "(\\d+)")
            elif letter in "ML":
                parts.append(_names(_MONTHS))
            elif letter == "E":
                parts.append(_names(_DAYS))
            elif letter == "a":
                parts.append("(?i:(AM|PM))")
            elif letter == "G":
                parts.append("(?i:(AD|BC))")
            else:  # z, Z, X
                parts.append(_ZONE)
            self._slots.append(token)
        self._regex = re.compile("".join(parts), re.ASCII)

    def format(self, millis: int) -> str:
        """Epoch milliseconds as text; ValueError when outside the years 1 to 9999."""
        try:
            t = _EPOCH + dt.timedelta(milliseconds=millis)
        except OverflowError:
            raise ValueError(f"timestamp {millis} is outside the years 1 to 9999") from None
        return "".join(tok if isinstance(tok, str) else _format_field(tok[0], tok[1], t) for tok in self._tokens)

    def parse(self, text: str) -> int:
        """Epoch milliseconds of the text, read leniently (text after the pattern ignored); ValueError if no match."""
        m = self._regex.match(text)
        if m is None:
            raise ValueError("does not match")
        f: dict[str, int] = {}
        zone = None
        pm = None
        for (letter, count), raw in zip(self._slots, m.groups(), strict=True):
            if letter in "ML" and count >= 3:
                f["M"] = next(i for i, name in enumerate(_MONTHS) if name.lower().startswith(raw.lower()[:3])) + 1
            elif letter == "a":
                pm = raw.upper() == "PM"
            elif letter in "zZX":
                zone = raw
            elif letter in "EGFwWu":
                continue  # Calendar would reconcile these with the date; the date fields decide here
            elif letter in "yY":
                year = int(raw)
                if count <= 2 and len(raw) == 2:
                    start = dt.datetime.now(dt.UTC).year - 80
                    year += start // 100 * 100
                    if year < start:
                        year += 100
                f["y"] = year
            else:
                f["L" if letter == "L" else letter] = int(raw)
        year, month = f.get("y", 1970), f.get("M", f.get("L", 1))
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        hour = f.get("H", 0)
        if "k" in f:
            hour = 0 if f["k"] == 24 else f["k"]
        if "h" in f or "K" in f:
            hour = f["h"] % 12 if "h" in f else f["K"]
            hour += 12 if pm else 0
        try:
            base = dt.datetime(year, month, 1)
            if "D" in f and "d" not in f and "M" not in f:
                days = f["D"] - 1 - (base - dt.datetime(year, 1, 1)).days
            else:
                days = f.get("d", 1) - 1
            local = base + dt.timedelta(
                days=days, hours=hour, minutes=f.get("m", 0), seconds=f.get("s", 0), milliseconds=f.get("S", 0)
            )
            utc = local - (_zone_offset(zone, local) if zone else dt.timedelta(0))
        except OverflowError:
            raise ValueError("is outside the years 1 to 9999") from None
        delta = utc.replace(tzinfo=dt.UTC) - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
