"""The change stream: records, offsets, resume-skipping and slot confirmations from pgoutput messages."""

from __future__ import annotations

import struct

from connectors.postgres.events import EventBuilder
from connectors.postgres.offsets import Position
from connectors.postgres.pgoutput import Relation
from connectors.postgres.rows import ColumnDef, TableReader
from connectors.postgres.streaming import ChangeStream
from connectors.postgres.types import TypeModes

REL = 16389


def tup(*values):
    out = struct.pack(">h", len(values))
    for v in values:
        out += b"n" if v is None else b"t" + struct.pack(">i", len(v)) + v
    return out


def relation():
    body = struct.pack(">I", REL) + b"public\0orders\0d" + struct.pack(">h", 2)
    body += b"\x01id\0" + struct.pack(">Ii", 20, -1) + b"\x00note\0" + struct.pack(">Ii", 25, -1)
    return b"R" + body


def begin(final_lsn, xid=700):
    return b"B" + struct.pack(">qqI", final_lsn, 0, xid)


def commit(commit_lsn, end_lsn):
    return b"C" + struct.pack(">bqqq", 0, commit_lsn, end_lsn, 0)


def insert(id_, note):
    return b"I" + struct.pack(">I", REL) + b"N" + tup(id_, note)


def reader_for(rel: Relation):
    cols = [ColumnDef(c.name, c.type_oid, c.typmod, not c.is_key) for c in rel.columns]
    return TableReader(
        rel.namespace, rel.name, f"srv.{rel.namespace}.{rel.name}", cols, ["id"], TypeModes(), lambda oid: None
    )


def stream(**kw):
    events = EventBuilder(prefix="srv", database="shop", version="0.1.0", partition={"server": "srv"})
    return ChangeStream(events, reader_for, **kw)


def txn(final_lsn, end_lsn, *changes, xid=700):
    msgs = [(final_lsn - 100, begin(final_lsn, xid)), (0, relation())]
    msgs += [(final_lsn - 90 + i, c) for i, c in enumerate(changes)]
    msgs.append((end_lsn, commit(final_lsn, end_lsn)))
    return msgs


def test_inserts_become_debezium_create_events_on_table_topics():
    s = stream()
    records = s.process(txn(1000, 1050, insert(b"1", b"a"), insert(b"2", None)))
    assert [r.topic for r in records] == ["srv.public.orders"] * 2
    first = records[0]
    assert first.key == {"id": 1}
    assert first.key_schema.name == "srv.public.orders.Key"
    assert first.value_schema.name == "srv.public.orders.Envelope"
    v = first.value
    assert (v["op"], v["before"], v["after"]) == ("c", None, {"id": 1, "note": "a"})
    src = v["source"]
    assert (src["connector"], src["name"], src["db"], src["schema"], src["table"], src["txId"], src["lsn"]) == (
        "postgresql",
        "srv",
        "shop",
        "public",
        "orders",
        700,
        910,
    )
    assert src["snapshot"] == "false" and src["sequence"] == '[null,"910"]'
    assert records[1].value["after"] == {"id": 2, "note": None}
    assert first.source_partition == {"server": "srv"}
    assert first.source_offset["lsn_commit"] == 1000 and first.source_offset["event_index"] == 1


def test_deletes_get_tombstones_and_key_changes_split_into_delete_and_create():
    s = stream()
    delete = b"D" + struct.pack(">I", REL) + b"K" + tup(b"1", None)
    key_change = b"U" + struct.pack(">I", REL) + b"K" + tup(b"1", None) + b"N" + tup(b"9", b"z")
    plain_update = b"U" + struct.pack(">I", REL) + b"N" + tup(b"9", b"y")
    records = s.process(txn(1000, 1050, delete, key_change, plain_update))
    assert [(r.value or {}).get("op") for r in records] == ["d", None, "d", None, "c", "u"]
    assert records[0].value["before"] == {"id": 1, "note": None} and records[1].key == {"id": 1}
    assert records[4].key == {"id": 9} and records[5].value["before"] is None
    indexes = [r.source_offset["event_index"] for r in records]
    assert indexes == sorted(set(indexes)), "every record has its own place in the transaction"


def test_resume_skips_what_was_emitted_of_a_partly_flushed_transaction():
    first = stream()
    records = first.process(txn(1000, 1050, insert(b"1", b"a"), insert(b"2", b"b"), insert(b"3", b"c")))
    flushed = records[1].source_offset  # the crash came after the second record was flushed
    again = stream(position=Position.from_offset(flushed))
    replayed = again.process(txn(1000, 1050, insert(b"1", b"a"), insert(b"2", b"b"), insert(b"3", b"c")))
    assert [r.key for r in replayed] == [{"id": 3}]
    later = again.process(txn(2000, 2050, insert(b"4", b"d")))
    assert [r.key for r in later] == [{"id": 4}]
    assert later[0].source_offset["lsn_proc"] == 1050


def test_slot_is_confirmed_to_a_transaction_end_only_when_its_last_record_is_flushed():
    s = stream()
    records = s.process(txn(1000, 1050, insert(b"1", b"a"), insert(b"2", b"b")))
    assert s.confirmable(records[0].source_offset) == 0  # restart point: before this transaction
    assert s.confirmable(records[1].source_offset) == 1050
    nxt = s.process(txn(2000, 2050, insert(b"3", b"c")))
    assert s.confirmable(nxt[0].source_offset) == 2050
    assert s.confirmable({"lsn": 5, "snapshot": True}) == 0


def test_transaction_metadata_begin_end_and_blocks():
    s = stream(transaction_metadata=True)
    records = s.process(txn(1000, 1050, insert(b"1", b"a"), insert(b"2", b"b"), xid=701))
    assert [r.topic for r in records] == [
        "srv.transaction",
        "srv.public.orders",
        "srv.public.orders",
        "srv.transaction",
    ]
    # As Debezium's, ids name the transaction and the LSN of each record: BEGIN's, each event's, the commit's end.
    assert records[0].value["status"] == "BEGIN" and records[0].key == {"id": "701:900"}
    assert records[2].value["transaction"] == {"id": "701:911", "total_order": 2, "data_collection_order": 2}
    end = records[3].value
    assert end["status"] == "END" and end["event_count"] == 2 and end["id"] == "701:1050"
    assert end["data_collections"] == [{"data_collection": "public.orders", "event_count": 2}]


def test_skipped_operations_and_logical_messages():
    s = stream(skipped=frozenset({"c"}))
    message = b"M\x01" + struct.pack(">q", 960) + b"audit\0" + struct.pack(">i", 2) + b"hi"
    records = s.process(txn(1000, 1050, insert(b"1", b"a"), message))
    assert len(records) == 1
    m = records[0]
    assert m.topic == "srv.message" and m.key == {"prefix": "audit"}
    assert m.value["op"] == "m" and m.value["message"] == {"prefix": "audit", "content": b"hi"}
    assert m.value["source"]["txId"] == 700


def test_key_only_old_rows_fill_not_null_columns_and_full_identity_recovers_toast():
    def required_reader(rel: Relation):
        cols = [ColumnDef(c.name, c.type_oid, c.typmod, False) for c in rel.columns]  # all NOT NULL
        return TableReader(
            rel.namespace, rel.name, f"srv.{rel.namespace}.{rel.name}", cols, ["id"], TypeModes(), lambda oid: None
        )

    events = EventBuilder(prefix="srv", database="shop", version="0.1.0", partition={"server": "srv"})
    s = ChangeStream(events, required_reader)
    delete = b"D" + struct.pack(">I", REL) + b"K" + tup(b"1", None)
    old_full = b"O" + tup(b"2", b"long text")
    unchanged_toast = struct.pack(">h", 2) + b"t" + struct.pack(">i", 1) + b"2" + b"u"
    update_full = b"U" + struct.pack(">I", REL) + old_full + b"N" + unchanged_toast
    records = s.process(txn(1000, 1050, delete, update_full))
    assert records[0].value["before"] == {"id": 1, "note": ""}  # never null in a NOT NULL field
    assert records[2].value["after"] == {"id": 2, "note": "long text"}  # from the FULL old row
