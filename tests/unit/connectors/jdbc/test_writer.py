"""Batches → statements: reduced per key, truncates wipe what came before, refused rows isolated."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.jdbc.config import JdbcSinkConfig
from connectors.jdbc.convert import RecordConverter
from connectors.jdbc.dialects import TableId, TableInfo
from connectors.jdbc.dialects.postgres import PostgresDialect
from connectors.jdbc.tables import TableManager
from connectors.jdbc.writer import BatchWriter
from tests.unit.connectors.jdbc.fakes import RecordingSession
from tests.unit.connectors.jdbc.records import event

TABLE = TableId(None, "orders")
PROPS = {
    "connection.url": "jdbc:postgresql://h/db",
    "pk.mode": "record_key",
    "insert.mode": "upsert",
    "delete.enabled": "true",
    "truncate.enabled": "true",
    "table.name.format": "${table}",
    "batch.size": "4",
}


def setup(refuse=frozenset(), **props):
    config = JdbcSinkConfig.parse({**PROPS, **props})
    dialect = PostgresDialect(config)
    info = TableInfo(TABLE, {"id": "id", "name": "name", "qty": "qty", "_seq": "_seq"}, ("id",))
    session = RecordingSession(dialect, {TABLE: info}, refuse)
    return RecordConverter(config, dialect), BatchWriter(config, dialect, TableManager(config, dialect)), session


def apply(state: dict, committed) -> dict:
    for op, payload in committed:
        if op == "truncate":
            state.clear()
        elif op == "delete":
            for row in payload[1]:
                state.pop(row[0], None)
        else:
            for row in payload[1]:
                state[row[0]] = row
    return state


def sequential(records) -> dict:
    """What applying each change alone, in order, gives."""
    state: dict = {}
    for r in records:
        op = r.value["op"]
        if op == "t":
            state.clear()
        elif op == "d":
            state.pop(r.key["id"], None)
        else:
            a = r.value["after"]
            state[a["id"]] = (a["id"], a["name"], a["qty"])
    return state


ops = st.lists(st.tuples(st.sampled_from("cudt"), st.integers(0, 5), st.integers(0, 3)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_a_reduced_batch_leaves_the_rows_that_applying_every_change_in_order_leaves(steps):
    conv, writer, session = setup()
    records = [event(i, op, k, name=f"n{i}", qty=q) for i, (op, k, q) in enumerate(steps)]
    rejected = writer.write(session, [c for r in records if (c := conv.convert(r)) is not None])
    assert rejected == []
    assert apply({}, session.committed) == sequential(records)
    statements = [op for op, _ in session.committed]
    assert statements.count("truncate") <= 1 and all(len(p[1]) <= 4 for op, p in session.committed if op != "truncate")


@settings(max_examples=100, deadline=None)
@given(ops, st.sets(st.integers(0, 39), max_size=5))
def test_refused_rows_are_isolated_and_the_rest_is_written_as_if_they_were_not_there(steps, bad):
    records = [event(i, op, k, name=f"n{i}", qty=q) for i, (op, k, q) in enumerate(steps)]
    refuse = {(k, f"n{i}", q) for i, (op, k, q) in enumerate(steps) if i in bad and op in "cu"}
    conv, writer, session = setup(refuse)
    rejected = writer.write(session, [c for r in records if (c := conv.convert(r)) is not None])
    # A refused change that a later one in the batch supersedes never reaches the database: only the others
    # are reported, and the rows end as if the reported ones had never been sent.
    offsets = {r.kafka_offset for r, _ in rejected}
    assert offsets <= {i for i, (op, _, _) in enumerate(steps) if i in bad and op in "cu"}
    assert all("refused" in str(e) for _, e in rejected)
    final = apply({}, session.committed)
    assert final == sequential([r for r in records if r.kafka_offset not in offsets])
    assert not refuse & set(final.values())


def test_with_a_sequence_guard_the_newest_change_of_a_key_wins_within_a_batch():
    conv, writer, session = setup(**{"sequence.column": "_seq"})
    newer, older = event(0, "u", 1, lsn=50, name="new"), event(1, "u", 1, lsn=10, name="old")
    writer.write(session, [conv.convert(newer), conv.convert(older)])
    ((_, (_, rows)),) = session.committed
    assert rows == [(1, "new", None, 50)]
