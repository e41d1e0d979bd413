"""Schema and field names made valid Avro names, as Debezium's `schema.name.adjustment.mode` and
`field.name.adjustment.mode` make them (modes none, avro, avro_unicode).

Avro names start with a Latin letter or `_` and go on with letters, digits and `_`; full names
may hold dots. `avro` replaces every other character with `_` (and puts `_` before a leading
digit, keeping the digit); `avro_unicode` replaces it with `_uXXXX` (its UTF-16 code in hex,
as Java's `Integer.toHexString` writes it) and treats `_` itself as one to replace, so distinct
names stay distinct. An adjuster remembers what it replaced and refuses a second, different
name that would become the same one, as Debezium does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from connect.errors import ConnectException

log = logging.getLogger(__name__)

MODES = ("none", "avro", "avro_unicode")
Adjust = Callable[[str], str]


def _letter(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z"


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


def _underscore(c: str) -> str:
    return "_"


def _unicode(c: str) -> str:
    # Java iterates UTF-16 code units: a character beyond the BMP is two escapes, one per surrogate.
    units = c.encode("utf-16-be")
    out = []
    for i in range(0, len(units), 2):
        code = hex(int.from_bytes(units[i : i + 2], "big"))[2:]
        out.append("_u" + ("00" + code if len(code) <= 2 else code))
    return "".join(out)


class NameAdjuster:
    """One mode's rules for one kind of name; call it with a name to get the valid one."""

    def __init__(
        self,
        kind: str,
        first: Callable[[str], bool],
        rest: Callable[[str], bool],
        replace: Callable[[str], str],
        keep_leading_digit: bool,
    ) -> None:
        self._kind = kind
        self._first = first
        self._rest = rest
        self._replace = replace
        self._keep_leading_digit = keep_leading_digit
        self._originals: dict[str, str] = {}  # replacement -> the name it replaced

    def __call__(self, name: str) -> str:
        if not name:
            return name
        head = name[0]
        if self._first(head):
            parts = [head]
            changed = False
        else:
            parts = [self._replace(head) + (head if self._keep_leading_digit and _digit(head) else "")]
            changed = True
        for c in name[1:]:
            if self._rest(c):
                parts.append(c)
            else:
                parts.append(self._replace(c))
                changed = True
        if not changed:
            return name
        adjusted = "".join(parts)
        self._remember(name, adjusted)
        return adjusted

    def _remember(self, original: str, adjusted: str) -> None:
        earlier = self._originals.get(adjusted)
        if earlier is None:
            self._originals[adjusted] = original
            log.warning("The %s name %r is not a valid Avro name: using %r", self._kind, original, adjusted)
            return
        if earlier == original:
            return
        raise ConnectException(
            f"The Kafka Connect {self._kind} name '{original}' is not a valid Avro {self._kind} name and its "
            f"replacement '{adjusted}' conflicts with another different {self._kind} '{earlier}'"
        )


def _schema_rest(c: str) -> bool:
    return _letter(c) or c == "_" or c == "." or _digit(c)


def _field_rest(c: str) -> bool:
    return _letter(c) or c == "_" or _digit(c)


def _letter_or_underscore(c: str) -> bool:
    return _letter(c) or c == "_"


def is_valid_name(name: str, full: bool = False) -> bool:
    """Whether Avro allows `name` as a name (or, `full`, as a dotted full name or namespace)."""
    parts = name.split(".") if full else [name]
    return all(p and _letter_or_underscore(p[0]) and all(_field_rest(c) for c in p[1:]) for p in parts)


def schema_name_adjuster(mode: str) -> Adjust | None:
    """The adjuster of `schema.name.adjustment.mode` (None for `none`: names are kept as they are)."""
    match mode.lower():
        case "avro":
            return NameAdjuster("schema", _letter_or_underscore, _schema_rest, _underscore, True)
        case "avro_unicode":
            return NameAdjuster("schema", _letter, lambda c: _letter(c) or c == "." or _digit(c), _unicode, False)
    return None


def field_name_adjuster(mode: str) -> Adjust | None:
    """The adjuster of `field.name.adjustment.mode` (None for `none`)."""
    match mode.lower():
        case "avro":
            return NameAdjuster("field", _letter_or_underscore, _field_rest, _underscore, True)
        case "avro_unicode":
            return NameAdjuster("field", _letter, lambda c: _letter(c) or _digit(c), _unicode, False)
    return None
