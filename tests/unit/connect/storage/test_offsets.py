"""Offset stores keep Kafka Connect's offsets-topic layout and survive a restart."""

import json

from connect.runtime.source_task import committed
from connect.storage.offsets import FileOffsetBackingStore, OffsetStorageReaderImpl, decode_key, encode_key


def test_key_layout_is_kafka_connects():
    key = encode_key("inventory", {"server": "db1", "a": 1})
    assert json.loads(key) == ["inventory", {"a": 1, "server": "db1"}]
    assert decode_key(key) == ("inventory", {"a": 1, "server": "db1"})
    assert decode_key(b"not json") is None


def test_file_store_survives_restart_and_deletes(tmp_path):
    path = tmp_path / "offsets.json"
    store = FileOffsetBackingStore(path)
    store.start()
    store.set(
        {
            encode_key("c", {"p": 1}): b'{"lsn":10}',
            encode_key("c", {"p": 2}): b'{"lsn":20}',
            encode_key("other", {"p": 1}): b'{"lsn":30}',
        }
    )
    store.set({encode_key("c", {"p": 2}): None})
    reopened = FileOffsetBackingStore(path)
    reopened.start()
    reader = OffsetStorageReaderImpl(reopened, "c")
    assert reader.offset({"p": 1}) == {"lsn": 10}
    assert reader.offset({"p": 2}) is None
    assert reader.connector_offsets() == [({"p": 1}, {"lsn": 10})]
    assert not list(tmp_path.glob(".offsets.*"))  # no temp file left behind


def test_tasks_see_partition_and_offset_mappings_never_storage_keys(tmp_path):
    store = FileOffsetBackingStore(tmp_path / "offsets.json")
    store.start()
    store.set({encode_key("c", {"server": "db1"}): b'{"lsn":10}'})
    reader = OffsetStorageReaderImpl(store, "c")
    assert reader.offsets([{"server": "db1"}, {"server": "db2"}]) == [
        ({"server": "db1"}, {"lsn": 10}),
        ({"server": "db2"}, None),
    ]
    # What the runtime hands SourceTask.committed_offsets after a flush.
    flushed = {encode_key("c", {"server": "db1"}): {"lsn": 11}, encode_key("c", {"table": "t", "n": 2}): None}
    assert committed(flushed) == [({"server": "db1"}, {"lsn": 11}), ({"n": 2, "table": "t"}, None)]
