"""Java regular expressions and `Matcher.replaceFirst` replacements, as Kafka Connect users write them.

Configs carry Java syntax (`(?<name>...)`, `\\k<name>`, `\\Q...\\E`, `\\p{Alpha}`, `$1`, `${name}`); this
translates them once, at configure time, to Python's `re`. Character classes are ASCII as in Java.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from connect.errors import ConfigException

_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
    "L": "a-zA-Z",
    "IsAlphabetic": "a-zA-Z",
    "IsDigit": "0-9",
    "IsLetter": "a-zA-Z",
}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("Unexpected internal error near index " + str(i))
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt == "k" and not in_class:
                m = re.match(r"<([A-Za-z][A-Za-z0-9]*)>", pattern[i + 2 :])
                if m is None:
                    raise ValueError(f"named capturing group is missing trailing '>' near index {i}")
                out.append(f"(?P={m.group(1)})")
                i += 2 + m.end()
                continue
            if nxt in "pP":
                m = re.match(r"\{(?:Is)?([A-Za-z]+)\}|([A-Za-z])", pattern[i + 2 :])
                name = (m.group(1) or m.group(2)) if m else None
                if name is None or name not in _POSIX:
                    raise ValueError(f"Unknown character property name near index {i}")
                if in_class and nxt == "P":
                    raise ValueError(f"a negated property inside a character class is not supported near index {i}")
                ranges = _POSIX[name]
                out.append(ranges if in_class else f"[{'^' if nxt == 'P' else ''}{ranges}]")
                i += 2 + m.end()  # type: ignore[union-attr]
                continue
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Z":
                out.append("(?=\\n?\\Z)")
            elif nxt == "h":
                out.append("[ \\t\\xa0]" if not in_class else " \\t\\xa0")
            elif nxt in "GRX":
                raise ValueError(f"\\{nxt} is not supported near index {i}")
            else:
                out.append(c + nxt)
            i += 2
            continue
        if in_class:
            if c == "[":
                raise ValueError(f"nested character classes are not supported near index {i}")
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ']' is a literal in Java too
                out.append("\\]")
                i += 1
            continue
        if pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    if in_class:
        raise ValueError("Unclosed character class")
    return "".join(out)


def compile_java(pattern: str) -> re.Pattern[str]:
    """A Java regular expression compiled for Python's `re`; ValueError when it is invalid."""
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except re.error as exc:
        raise ValueError(str(exc)) from None


class JavaRegex:
    """A valid Java regular expression."""

    def __call__(self, name: str, value: Any) -> None:
        if value is None:
            return
        try:
            compile_java(value)
        except ValueError as exc:
            raise ConfigException(name, value, f"Invalid regex: {exc}") from None

    def __str__(self) -> str:
        return "valid regex"


JAVA_REGEX = JavaRegex()

Replacer = Callable[[re.Match[str]], str]


def java_replacement(key: str, replacement: str, pattern: re.Pattern[str]) -> Replacer:
    """What `Matcher.replaceFirst(replacement)` puts in place of a match: `$n`, `${name}`, `\\x` for a literal x.

    A reference to a group the pattern does not have is a ConfigException naming `key` (Java fails on the
    first record).
    """
    try:
        return _replacer(replacement, pattern)
    except ValueError as exc:
        raise ConfigException(key, replacement, str(exc)) from None


def _replacer(replacement: str, pattern: re.Pattern[str]) -> Replacer:
    parts: list[str | tuple[str | int]] = []  # literal text, and (group,) references
    literal: list[str] = []
    i, n = 0, len(replacement)
    while i < n:
        c = replacement[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("character to be escaped is missing")
            literal.append(replacement[i + 1])
            i += 2
            continue
        if c != "$":
            literal.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError("Illegal group reference: group index is missing")
        ref: str | int
        if replacement[i + 1] == "{":
            m = _NAME.match(replacement, i + 2)
            end = m.end() if m else i + 2
            if m is None or end >= n or replacement[end] != "}":
                raise ValueError("named capturing group is missing trailing '}'")
            ref = m.group()
            if ref not in pattern.groupindex:
                raise ValueError(f"No group with name {{{ref}}}")
            i = end + 1
        elif replacement[i + 1].isdigit():
            ref = int(replacement[i + 1])
            if ref > pattern.groups:
                raise ValueError(f"No group {ref}")
            i += 2
            # Java takes further digits while the number still names a group.
            while i < n and replacement[i].isdigit() and ref * 10 + int(replacement[i]) <= pattern.groups:
                ref = ref * 10 + int(replacement[i])
                i += 1
        else:
            raise ValueError("Illegal group reference")
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append((ref,))
    if literal:
        parts.append("".join(literal))
    if all(isinstance(p, str) for p in parts):
        constant = "".join(parts)  # type: ignore[arg-type]
        return lambda m: constant

    def replace(m: re.Match[str]) -> str:
        return "".join(p if isinstance(p, str) else (m.group(p[0]) or "") for p in parts)

    return replace
