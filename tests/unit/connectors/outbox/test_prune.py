"""Which outbox rows may be pruned: only those of polls closed by a committed offset."""

from __future__ import annotations

from connectors.outbox.prune import PublishedRows


def test_rows_are_released_only_through_the_committed_poll():
    rows = PublishedRows()
    first, second, third = {"lsn": 1}, {"lsn": 2}, {"lsn": 3}
    rows.emitted(first, ["a", "b"])
    rows.emitted(second, [])
    rows.emitted(third, ["c"])
    assert rows.committed({"lsn": 9}) == [], "an offset closing no poll releases nothing"
    assert rows.committed(second) == ["a", "b"]
    assert len(rows) == 1
    assert rows.committed(dict(third)) == ["c"], "an equal offset read back from storage matches too"
    assert rows.committed(third) == []


def test_equal_offsets_release_the_first_poll_only():
    rows = PublishedRows()
    rows.emitted({"lsn": 5, "snapshot": True}, ["a"])
    rows.emitted({"lsn": 5, "snapshot": True}, ["b"])
    assert rows.committed({"lsn": 5, "snapshot": True}) == ["a"], "never more than the offset proves"
