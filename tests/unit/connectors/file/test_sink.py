"""The file sink: one line per record, values or whole records as JSON, durable once flushed."""

from __future__ import annotations

import datetime
import decimal

import orjson
import pytest

from connect.data import Header, SinkRecord
from connect.errors import ConfigException, ConnectException, DataException
from connect.spi import TopicPartition
from connectors.file.connector import FileSinkConnector
from connectors.file.sink import FileSinkTask


def record(value, offset=0, key=None, headers=()):
    return SinkRecord("t", 0, None, key, None, value, offset, 1_700_000_000_000, tuple(headers))


def started(path, **props):
    task = FileSinkTask()
    task.start({"file": str(path), **props})
    return task


def test_values_are_written_one_line_each_and_visible_after_flush(tmp_path):
    path = tmp_path / "out.txt"
    task = started(path)
    task.put(
        [
            record("plain text"),
            record({"a": 1, "b": [1, 2]}),
            record(None),
            record(b"raw"),
            record({"d": decimal.Decimal("12.30"), "when": datetime.date(2024, 1, 2), "blob": b"\x00\x01"}),
            record({1: "non-string key"}),
        ]
    )
    task.flush({TopicPartition("t", 0): 6})
    lines = path.read_bytes().split(b"\n")
    assert lines == [
        b"plain text",
        b'{"a":1,"b":[1,2]}',
        b"null",
        b"raw",
        b'{"d":12.30,"when":"2024-01-02","blob":"AAE="}',
        b'{"1":"non-string key"}',
        b"",
    ]
    task.stop()


def test_record_format_keeps_topic_partition_offset_key_and_headers(tmp_path):
    path = tmp_path / "out.jsonl"
    task = started(path, **{"file.format": "record"})
    task.put([record({"seq": 7}, offset=42, key="k", headers=[Header("h", "v1"), Header("h", "v2")])])
    task.stop()
    [line] = path.read_bytes().splitlines()
    assert orjson.loads(line) == {
        "topic": "t",
        "partition": 0,
        "offset": 42,
        "timestamp": 1_700_000_000_000,
        "key": "k",
        "value": {"seq": 7},
        "headers": [{"key": "h", "value": "v1"}, {"key": "h", "value": "v2"}],
    }


def test_appends_to_an_existing_file_across_restarts(tmp_path):
    path = tmp_path / "out.txt"
    for n in range(2):
        task = started(path)
        task.put([record(f"line {n}")])
        task.pre_commit({TopicPartition("t", 0): n + 1})
        task.stop()
    assert path.read_text() == "line 0\nline 1\n"


def test_a_line_cut_short_by_a_crash_does_not_swallow_the_next_one(tmp_path):
    path = tmp_path / "out.txt"
    path.write_bytes(b"whole\nhalf a li")
    task = started(path)
    task.put([record("next")])
    task.stop()
    assert path.read_bytes().split(b"\n") == [b"whole", b"half a li", b"next", b""]


def test_a_value_json_cannot_hold_is_a_data_error_and_nothing_of_the_batch_is_written(tmp_path):
    path = tmp_path / "out.txt"
    task = started(path)
    with pytest.raises(DataException, match="not JSON serializable: object"):
        task.put([record("fine"), record({"x": object()})])
    task.stop()
    assert path.read_text() == ""


def test_unopenable_file_and_bad_format_are_clear_errors(tmp_path):
    with pytest.raises(ConnectException, match="cannot open"):
        started(tmp_path / "missing-dir" / "out.txt")
    with pytest.raises(ConfigException, match=r"file\.format"):
        FileSinkConnector().start({"file": str(tmp_path / "x"), "file.format": "xml"})


def test_runs_a_single_task_and_answers_to_the_kafka_connect_class_name():
    connector = FileSinkConnector()
    connector.start({"file": "/tmp/x", "topics": "t"})
    assert len(connector.task_configs(4)) == 1
    assert "org.apache.kafka.connect.file.FileStreamSinkConnector" in FileSinkConnector.aliases
