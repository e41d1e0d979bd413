"""Reading a Debezium change event as a table update: the row to upsert, a delete, or nothing.

Understands the envelope (`op`, `before`, `after`, `source`) from Debezium or our Postgres source, and the
unwrapped form written by ExtractNewRecordState (a plain row, `__deleted: "true"` in rewrite mode).
Creates, updates and snapshot reads (`op=r`) upsert `after`; `op=d` and tombstones delete; truncates and
logical-decoding messages carry no row and change nothing.
"""

from __future__ import annotations

from typing import Any

from connect.data.envelope import is_envelope

SKIP = object()  # a record that changes no row
_DELETED = "__deleted"


def cdc_row(value: Any) -> Any:
    """The row a change event leaves behind: a dict, None (deleted), or SKIP."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return value
    if is_envelope(None, value):
        op = value["op"]
        if op == "d":
            return None
        if op in ("t", "m"):
            return SKIP
        return value.get("after")
    if _DELETED in value:
        flag = value[_DELETED]
        if flag is True or flag == "true":
            return None
        row = dict(value)
        del row[_DELETED]
        return row
    return value
