"""The datagen source: sequence numbers, resumption, keys, sizes, schemas, rate and bad configs."""

from __future__ import annotations

import time

import orjson
import pytest

from connect.errors import ConfigException, ConnectException
from connectors.datagen import source as datagen_source
from connectors.datagen.connector import DatagenSourceConnector
from connectors.datagen.source import VALUE_SCHEMA, DatagenSourceTask, partition_of
from tests.support.contexts import SourceContext


def started(props, context=None):
    task = DatagenSourceTask()
    task.initialize(context or SourceContext("gen"))
    task.start({"kafka.topic": "t", **props})
    return task


def drain(task):
    """Every record up to max.records (the poll after the last one would idle)."""
    out = []
    while task.next_seq < task._end:
        out += task.poll() or []
    return out


def test_sequence_numbers_are_contiguous_and_stop_at_max_records():
    task = started({"max.records": "2500", "batch.size": "1000"})
    records = drain(task)
    assert [len(b) for b in (records[:1000], records[1000:2000], records[2000:])] == [1000, 1000, 500]
    assert [r.value["seq"] for r in records] == list(range(2500))
    assert [r.source_offset for r in records[:3]] == [{"seq": 0}, {"seq": 1}, {"seq": 2}]
    assert {r.topic for r in records} == {"t"}
    assert task.poll() is None  # finished: idle, not an error


def test_resumes_after_the_committed_sequence_number():
    context = SourceContext("gen").store_offset(partition_of("gen", 0), {"seq": 41})
    task = started({"max.records": "50"}, context)
    assert [r.value["seq"] for r in drain(task)] == list(range(42, 50))


def test_a_malformed_stored_offset_is_a_clear_error():
    context = SourceContext("gen").store_offset(partition_of("gen", 0), {"position": 3})
    with pytest.raises(ConnectException, match="no valid 'seq'"):
        started({}, context)


def test_each_task_has_its_own_partition_and_sequence():
    connector = DatagenSourceConnector()
    connector.start({"kafka.topic": "t", "max.records": "5"})
    configs = connector.task_configs(3)
    assert len(configs) == 3
    tasks = [started(cfg, SourceContext("gen", task_id=i)) for i, cfg in enumerate(configs)]
    batches = [drain(t) for t in tasks]
    assert [[r.value["seq"] for r in b] for b in batches] == [list(range(5))] * 3
    assert [b[0].source_partition for b in batches] == [{"datagen": f"gen/{i}"} for i in range(3)]


def test_keys_cycle_through_the_cardinality_or_are_null():
    keyed = drain(started({"max.records": "7", "key.cardinality": "3"}))
    assert [r.key for r in keyed] == ["key-0", "key-1", "key-2", "key-0", "key-1", "key-2", "key-0"]
    assert [r.value["key"] for r in keyed] == [r.key for r in keyed]
    big = drain(started({"max.records": "3", "key.cardinality": str(10**9)}))
    assert [r.key for r in big] == ["key-0", "key-1", "key-2"]
    assert {r.key for r in drain(started({"max.records": "3", "key.cardinality": "0"}))} == {None}


@pytest.mark.parametrize("size", [200, 1000, 5000])  # 5000: too big for prebuilt payloads, sliced per record
def test_json_values_are_about_record_size(size):
    records = drain(started({"max.records": "2000", "record.size": str(size)}))
    sizes = [len(orjson.dumps(r.value)) for r in records[-10:]]
    assert all(size * 0.9 <= s <= size for s in sizes), sizes


def test_payloads_are_deterministic_for_a_seed():
    def payloads(seed):
        return [r.value["payload"] for r in drain(started({"max.records": "5", "seed": seed}))]

    assert payloads("1") == payloads("1")
    assert payloads("1") != payloads("2")
    assert len(set(payloads("1"))) == 5  # records differ from each other, not only in seq


def test_prebuilt_and_sliced_payloads_are_the_same(monkeypatch):
    def payloads():
        return [r.value["payload"] for r in drain(started({"max.records": "300", "seed": "7"}))]

    prebuilt = payloads()
    monkeypatch.setattr(datagen_source, "_PRECOMPUTED_PAYLOAD_CHARS", 0)
    assert payloads() == prebuilt


def test_schema_enabled_gives_struct_values_matching_their_schema():
    records = drain(started({"max.records": "3", "schema.enabled": "true", "key.cardinality": "2"}))
    for r in records:
        assert r.value_schema is VALUE_SCHEMA
        VALUE_SCHEMA.validate(r.value)
        assert r.key_schema is not None and r.key_schema.type == "string"
    plain = drain(started({"max.records": "1"}))[0]
    assert plain.value_schema is None and plain.key_schema is None


def test_rate_limits_records_per_second():
    task = started({"rate": "200", "batch.size": "1000"})
    began = time.monotonic()
    produced = 0
    while time.monotonic() - began < 0.3:
        produced += len(task.poll() or [])
    elapsed = time.monotonic() - began
    assert 0 < produced <= 200 * elapsed + 2


def test_missing_topic_and_bad_values_name_the_key():
    with pytest.raises(ConfigException, match=r"kafka\.topic"):
        DatagenSourceConnector().start({})
    errors = DatagenSourceConnector().validate({"kafka.topic": "t", "record.size": "-1", "batch.size": "x"})
    assert {name for name, v in errors.items() if v.errors} == {"record.size", "batch.size"}
