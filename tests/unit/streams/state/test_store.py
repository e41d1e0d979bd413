"""KeyValueStore over both backends: reads see uncommitted writes, the backend and changelog only get them
at commit (once per key), prefix scans merge both; a random sequence of operations and commits matches a
dict. Checkpoint files round-trip."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.serdes import BYTES, JSON
from streams.state import checkpoint
from streams.state.memory.store import MemoryBackend
from streams.state.rocksdb.store import RocksDBBackend
from streams.state.spec import StoreSpec
from streams.state.store import KeyValueStore


class Delivered:
    def __init__(self, offset):
        self._offset = offset

    def offset(self):
        return self._offset


def make(kind, tmp_path, max_records=100):
    backend = RocksDBBackend(tmp_path / "db") if kind == "rocksdb" else MemoryBackend()
    store = KeyValueStore(
        StoreSpec("s", kind, JSON, JSON), backend, changelog="app-s-changelog", partition=0, max_records=max_records
    )
    sent = []

    def send(topic, partition, key, value, on_delivery):
        sent.append((topic, partition, key, value))
        on_delivery(None, Delivered(len(sent) - 1))

    store.bind(send)
    return store, sent


@pytest.mark.parametrize("kind", ["memory", "rocksdb"])
def test_writes_reach_backend_and_changelog_once_per_key_at_commit(kind, tmp_path):
    store, sent = make(kind, tmp_path)
    store.put("a", 1)
    store.put("a", 2)
    store.put("b", {"x": 1})
    store.delete("c")
    assert store.get("a") == 2 and store.backend.get(b'"a"') is None
    store.flush()
    assert sorted(sent) == [
        ("app-s-changelog", 0, b'"a"', b"2"),
        ("app-s-changelog", 0, b'"b"', b'{"x":1}'),
        ("app-s-changelog", 0, b'"c"', None),
    ]
    store.apply()
    assert store.backend.get(b'"a"') == b"2" and store.changelog_next == 3
    store.put("a", 3)
    store.discard()
    assert store.get("a") == 2
    store.close()


@pytest.mark.parametrize("kind", ["memory", "rocksdb"])
def test_prefix_scans_merge_cache_over_backend(kind, tmp_path):
    backend = RocksDBBackend(tmp_path / "db") if kind == "rocksdb" else MemoryBackend()
    store = KeyValueStore(StoreSpec("s", kind, BYTES, BYTES), backend, changelog=None, partition=0, max_records=10)
    for key in (b"a1", b"a2", b"b1"):
        store.put_raw(key, b"old")
    store.flush()
    store.apply()
    store.put_raw(b"a2", None)
    store.put_raw(b"a3", b"new")
    assert store.prefix_raw(b"a") == [(b"a1", b"old"), (b"a3", b"new")]
    store.close()


ops = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 9), st.integers(-(2**63), 2**63 - 1)),
        st.tuples(st.just("delete"), st.integers(0, 9), st.none()),
        st.tuples(st.just("commit"), st.none(), st.none()),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
@pytest.mark.parametrize("kind", ["memory", "rocksdb"])
def test_random_operations_match_a_dict(kind, tmp_path_factory, ops):
    store, _ = make(kind, tmp_path_factory.mktemp("s"), max_records=3)
    model: dict[int, int] = {}
    committed: dict[int, int] = {}
    for op, key, value in ops:
        if op == "put":
            store.put(key, value)
            model[key] = value
        elif op == "delete":
            store.delete(key)
            model.pop(key, None)
        else:
            store.flush()
            store.apply()
            committed = dict(model)
        assert all(store.get(k) == model.get(k) for k in range(10))
    assert dict(store.all()) == model
    assert {JSON.deserialize(k): JSON.deserialize(v) for k, v in store.backend.items()} == committed
    store.close()


def test_checkpoint_round_trips_and_tolerates_garbage(tmp_path):
    assert checkpoint.read(tmp_path) == {}
    checkpoint.write(tmp_path, {checkpoint.key("t", 3): 42})
    assert checkpoint.read(tmp_path) == {"t:3": 42}
    (tmp_path / checkpoint.NAME).write_text("{not json")
    assert checkpoint.read(tmp_path) == {}
