"""The pgoutput decoder against messages built byte by byte as the server sends them."""

from __future__ import annotations

import struct

import pytest

from connectors.postgres.pgoutput import (
    PG_EPOCH_OFFSET_US,
    UNCHANGED,
    Begin,
    Commit,
    DecodeError,
    Delete,
    Insert,
    Message,
    Origin,
    Relation,
    Truncate,
    TypeMsg,
    Update,
    decode,
)


def tuple_data(*values: bytes | object | None) -> bytes:
    out = struct.pack(">h", len(values))
    for v in values:
        if v is None:
            out += b"n"
        elif v is UNCHANGED:
            out += b"u"
        else:
            assert isinstance(v, bytes)
            out += b"t" + struct.pack(">i", len(v)) + v
    return out


def test_begin_and_commit_carry_lsns_xid_and_unix_timestamps():
    begin = decode(b"B" + struct.pack(">qqI", 1000, 5, 742))
    assert begin == Begin(1000, 5 + PG_EPOCH_OFFSET_US, 742)
    commit = decode(b"C" + struct.pack(">bqqq", 0, 1000, 1048, 5))
    assert commit == Commit(0, 1000, 1048, 5 + PG_EPOCH_OFFSET_US)


def test_relation_lists_columns_with_key_flags_types_and_typmods():
    body = struct.pack(">I", 16389) + b"public\0orders\0" + b"d" + struct.pack(">h", 2)
    body += b"\x01id\0" + struct.pack(">Ii", 20, -1) + b"\x00total\0" + struct.pack(">Ii", 1700, 655366)
    rel = decode(b"R" + body)
    assert isinstance(rel, Relation)
    assert (rel.relid, rel.namespace, rel.name, rel.replica_identity) == (16389, "public", "orders", "d")
    assert [(c.is_key, c.name, c.type_oid, c.typmod) for c in rel.columns] == [
        (True, "id", 20, -1),
        (False, "total", 1700, 655366),
    ]


def test_insert_values_stay_raw_with_nulls_and_unchanged_toast():
    msg = decode(b"I" + struct.pack(">I", 7) + b"N" + tuple_data(b"1", None, UNCHANGED, b""))
    assert msg == Insert(7, [b"1", None, UNCHANGED, b""])


def test_update_with_old_key_and_full_old_row():
    key_only = decode(b"U" + struct.pack(">I", 7) + b"K" + tuple_data(b"1", None) + b"N" + tuple_data(b"2", b"x"))
    assert key_only == Update(7, [b"1", None], True, [b"2", b"x"])
    full = decode(b"U" + struct.pack(">I", 7) + b"O" + tuple_data(b"1", b"a") + b"N" + tuple_data(b"1", b"b"))
    assert full == Update(7, [b"1", b"a"], False, [b"1", b"b"])
    new_only = decode(b"U" + struct.pack(">I", 7) + b"N" + tuple_data(b"1", b"b"))
    assert new_only == Update(7, None, False, [b"1", b"b"])


def test_delete_truncate_message_type_origin():
    assert decode(b"D" + struct.pack(">I", 7) + b"K" + tuple_data(b"1", None)) == Delete(7, [b"1", None], True)
    assert decode(b"T" + struct.pack(">IbII", 2, 1, 7, 8)) == Truncate(1, (7, 8))
    msg = decode(b"M" + b"\x01" + struct.pack(">q", 99) + b"audit\0" + struct.pack(">i", 3) + b"abc")
    assert msg == Message(True, 99, "audit", b"abc")
    assert decode(b"Y" + struct.pack(">I", 16400) + b"public\0mood\0") == TypeMsg(16400, "public", "mood")
    assert decode(b"O" + struct.pack(">q", 55) + b"node2\0") == Origin(55, "node2")


def test_unknown_messages_and_column_kinds_are_rejected_clearly():
    with pytest.raises(DecodeError, match="unknown pgoutput message type 'Z'"):
        decode(b"Z")
    with pytest.raises(DecodeError, match="unknown tuple column kind"):
        decode(b"I" + struct.pack(">I", 7) + b"N" + struct.pack(">h", 1) + b"x")
