"""The file source: complete lines become string records, resumable by byte position."""

from __future__ import annotations

from connectors.file.source import FileSourceTask
from tests.support.contexts import SourceContext


def started(path, stored=None, **props):
    task = FileSourceTask()
    context = SourceContext("src")
    if stored is not None:
        context.store_offset({"filename": str(path)}, stored)
    task.initialize(context)
    task.start({"file": str(path), "topic": "lines", **props})
    return task


def test_complete_lines_become_records_and_a_partial_line_waits(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\r\ntwo\nthr")
    task = started(path)
    records = task.poll()
    assert [r.value for r in records] == ["one", "two"]
    assert [r.source_offset for r in records] == [{"position": 5}, {"position": 9}]
    assert records[0].source_partition == {"filename": str(path)} and records[0].topic == "lines"
    assert records[0].value_schema.type == "string" and records[0].key is None
    assert task.poll() is None
    with path.open("ab") as f:
        f.write(b"ee\n")
    assert [r.value for r in task.poll()] == ["three"]
    task.stop()


def test_resumes_from_the_stored_position_and_honours_batch_size(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"a\nb\nc\nd\n")
    task = started(path, {"position": 2}, **{"batch.size": "2"})
    assert [r.value for r in task.poll()] == ["b", "c"]
    assert [r.value for r in task.poll()] == ["d"]
    task.stop()


def test_a_file_that_appears_later_is_read(tmp_path):
    path = tmp_path / "later.txt"
    task = started(path)
    assert task.poll() is None
    path.write_text("hello\n")
    assert [r.value for r in task.poll()] == ["hello"]
    task.stop()
