"""Java-properties syntax (worker.properties, connector .properties files)."""

from __future__ import annotations

import re

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_SEP = re.compile(r"(?<!\\)[=:\s]")


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 5 < len(text):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_properties(text: str) -> dict[str, str]:
    """Parse properties text: `#`/`!` comments, `=`/`:`/space separators, `\\` continuations."""
    props: dict[str, str] = {}
    logical: list[str] = []
    for raw in text.splitlines():
        line = raw.lstrip()
        if not logical and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            logical.append(line[:-1])
            continue
        logical.append(line)
        full = "".join(logical)
        logical = []
        m = _SEP.search(full)
        if m is None:
            key, value = full, ""
        else:
            key = full[: m.start()]
            rest = full[m.end() :].lstrip()
            if m.group().isspace() and rest[:1] in ("=", ":"):
                rest = rest[1:].lstrip()
            value = rest
        props[_unescape(key.strip())] = _unescape(value)
    return props
