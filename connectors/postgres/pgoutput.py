"""The pgoutput logical decoding protocol: messages decoded from the bytes of one XLogData payload.

Tuple values stay raw (bytes in the server's text output format, None for NULL, UNCHANGED
for an unchanged TOASTed value): turning them into Python values is `types.py`'s job, done
once per row by C loaders.
"""

from __future__ import annotations

from struct import Struct
from typing import Any, NamedTuple

_I16 = Struct(">h")
_I32 = Struct(">i")
_U32 = Struct(">I")
_I64 = Struct(">q")
_BEGIN = Struct(">qqI")  # final_lsn, commit_ts, xid
_COMMIT = Struct(">bqqq")  # flags, commit_lsn, end_lsn, commit_ts
_REL_COL = Struct(">Ii")  # type oid, typmod

#: Microseconds between the Unix epoch and Postgres' epoch (2000-01-01).
PG_EPOCH_OFFSET_US = 946_684_800_000_000


class _Unchanged:
    """An unchanged TOASTed column: pgoutput sends no value for it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


class Begin(NamedTuple):
    final_lsn: int
    commit_ts_us: int  # Unix epoch microseconds
    xid: int


class Commit(NamedTuple):
    flags: int
    commit_lsn: int
    end_lsn: int
    commit_ts_us: int


class Origin(NamedTuple):
    commit_lsn: int
    name: str


class Column(NamedTuple):
    is_key: bool
    name: str
    type_oid: int
    typmod: int


class Relation(NamedTuple):
    relid: int
    namespace: str
    name: str
    replica_identity: str  # 'd' default, 'n' nothing, 'f' full, 'i' index
    columns: tuple[Column, ...]


class TypeMsg(NamedTuple):
    oid: int
    namespace: str
    name: str


class Insert(NamedTuple):
    relid: int
    new: list[Any]


class Update(NamedTuple):
    relid: int
    old: list[Any] | None  # 'K' (key only) or 'O' (full old row) when the server sends it
    old_is_key: bool
    new: list[Any]


class Delete(NamedTuple):
    relid: int
    old: list[Any]
    old_is_key: bool


class Truncate(NamedTuple):
    options: int  # 1 cascade, 2 restart identity
    relids: tuple[int, ...]


class Message(NamedTuple):
    transactional: bool
    lsn: int
    prefix: str
    content: bytes


class DecodeError(ValueError):
    """The bytes are not a pgoutput message this decoder understands."""


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(0, pos)
    return data[pos:end].decode(), end + 1


def read_tuple(data: bytes, pos: int) -> tuple[list[Any], int]:
    """The values of one TupleData at `pos`, and the position after it (the hot loop: keep it lean)."""
    count = (data[pos] << 8) | data[pos + 1]
    pos += 2
    values: list[Any] = []
    append = values.append
    unpack_len = _I32.unpack_from
    for _ in range(count):
        kind = data[pos]
        if kind == 116 or kind == 98:  # 't' text, 'b' binary
            (length,) = unpack_len(data, pos + 1)
            pos += 5
            end = pos + length
            append(data[pos:end])
            pos = end
        elif kind == 110:  # 'n' null
            append(None)
            pos += 1
        elif kind == 117:  # 'u' unchanged toast
            append(UNCHANGED)
            pos += 1
        else:
            raise DecodeError(f"unknown tuple column kind {chr(kind)!r}")
    return values, pos


def decode(data: bytes) -> Any:
    """One pgoutput message (streaming protocol messages are not requested, so not handled)."""
    tag = data[0]
    if tag == 73:  # 'I'
        relid = _U32.unpack_from(data, 1)[0]
        if data[5] != 78:
            raise DecodeError("insert without a new tuple")
        return Insert(relid, read_tuple(data, 6)[0])
    if tag == 85:  # 'U'
        relid = _U32.unpack_from(data, 1)[0]
        pos = 5
        old = None
        old_is_key = False
        if data[pos] in (75, 79):  # 'K' / 'O'
            old_is_key = data[pos] == 75
            old, pos = read_tuple(data, pos + 1)
        if data[pos] != 78:
            raise DecodeError("update without a new tuple")
        return Update(relid, old, old_is_key, read_tuple(data, pos + 1)[0])
    if tag == 68:  # 'D'
        relid = _U32.unpack_from(data, 1)[0]
        return Delete(relid, read_tuple(data, 6)[0], data[5] == 75)
    if tag == 66:  # 'B'
        final_lsn, ts, xid = _BEGIN.unpack_from(data, 1)
        return Begin(final_lsn, ts + PG_EPOCH_OFFSET_US, xid)
    if tag == 67:  # 'C'
        flags, commit_lsn, end_lsn, ts = _COMMIT.unpack_from(data, 1)
        return Commit(flags, commit_lsn, end_lsn, ts + PG_EPOCH_OFFSET_US)
    if tag == 82:  # 'R'
        return _relation(data)
    if tag == 84:  # 'T'
        count = _U32.unpack_from(data, 1)[0]
        options = data[5]
        relids = tuple(_U32.unpack_from(data, 6 + 4 * i)[0] for i in range(count))
        return Truncate(options, relids)
    if tag == 77:  # 'M'
        transactional = bool(data[1])
        lsn = _I64.unpack_from(data, 2)[0]
        prefix, pos = _cstring(data, 10)
        length = _I32.unpack_from(data, pos)[0]
        return Message(transactional, lsn, prefix, bytes(data[pos + 4 : pos + 4 + length]))
    if tag == 89:  # 'Y'
        oid = _U32.unpack_from(data, 1)[0]
        namespace, pos = _cstring(data, 5)
        name, _ = _cstring(data, pos)
        return TypeMsg(oid, namespace, name)
    if tag == 79:  # 'O'
        commit_lsn = _I64.unpack_from(data, 1)[0]
        return Origin(commit_lsn, _cstring(data, 9)[0])
    raise DecodeError(f"unknown pgoutput message type {chr(tag)!r}")


def _relation(data: bytes) -> Relation:
    relid = _U32.unpack_from(data, 1)[0]
    namespace, pos = _cstring(data, 5)
    name, pos = _cstring(data, pos)
    identity = chr(data[pos])
    count = _I16.unpack_from(data, pos + 1)[0]
    pos += 3
    columns = []
    for _ in range(count):
        flags = data[pos]
        col_name, pos = _cstring(data, pos + 1)
        type_oid, typmod = _REL_COL.unpack_from(data, pos)
        pos += 8
        columns.append(Column(bool(flags & 1), col_name, type_oid, typmod))
    return Relation(relid, namespace or "pg_catalog", name, identity, tuple(columns))
