"""The S3 sink task with an in-memory S3: commit rules, the order objects appear in, safe offsets, outages,
recovery decisions and bad records."""

from __future__ import annotations

import threading

import orjson
import pytest

from connect.data import Schema
from connect.data.schema import INT32_SCHEMA, INT64_SCHEMA
from connect.errors import ConnectException, RetriableException
from connect.spi import TopicPartition
from tests.support.kafka import wait_until
from tests.unit.connectors.s3.fakes import FakeS3, rec, started

TP = TopicPartition("orders", 0)


def numbers(fake: FakeS3, key: str) -> list[int]:
    return [orjson.loads(line)["n"] for line in fake.lines(key)]


def key(start: int, folder: str = "partition=0", topic: str = "orders", partition: int = 0) -> str:
    return f"topics/{topic}/{folder}/{topic}+{partition}+{start:010d}.json"


def safe(task) -> dict:
    return dict(task.pre_commit({}))


def test_size_rotation_names_objects_after_their_first_offset_and_commits_only_complete_ones():
    fake = FakeS3()
    task, _ = started(fake, {TP})
    task.put([rec(TP, o) for o in range(8)])
    wait_until(lambda: safe(task) == {TP: 6})
    assert sorted(fake.objects) == [key(0), key(3)]
    assert numbers(fake, key(3)) == [3, 4, 5]
    assert fake.objects[key(3)][1] == {"sluice-commit-start": "3"}
    task.stop()


def test_objects_of_a_commit_appear_only_after_every_object_of_the_commit_before():
    fake = FakeS3()
    task, _ = started(fake, {TP}, **{"partitioner.class": "FieldPartitioner", "partition.field.name": "g"})
    fake.hold.clear()  # PUTs wait
    task.put([rec(TP, o, {"n": o, "g": o % 2}) for o in range(9)])  # three commits of two files each
    assert safe(task) == {TP: 0}
    fake.hold.set()
    wait_until(lambda: safe(task) == {TP: 9})
    order = [int(k.rsplit("+", 1)[1].split(".")[0]) for k in fake.visible]
    commits = [sorted(order[i : i + 2]) for i in range(0, 6, 2)]
    assert commits == [[0, 1], [3, 4], [6, 7]]  # commit after commit; within one, any order
    task.stop()


def test_record_time_rotation_and_a_change_of_folder_seal_the_commit():
    fake = FakeS3()
    props = {
        "flush.size": "100",
        "partitioner.class": "TimeBasedPartitioner",
        "partition.duration.ms": "60000",
        "path.format": "'m'=mm",
        "locale": "en",
        "timezone": "UTC",
        "timestamp.extractor": "Record",
        "rotate.interval.ms": "20000",
    }
    task, _ = started(fake, {TP}, **props)
    stamps = [0, 5_000, 19_999, 20_000, 50_000, 61_000, 62_000, 200_000]
    task.put([rec(TP, o, ts=ts) for o, ts in enumerate(stamps)])
    wait_until(lambda: safe(task) == {TP: 7})
    assert sorted(fake.objects) == [key(0, "m=00"), key(3, "m=00"), key(4, "m=00"), key(5, "m=01")]
    assert numbers(fake, key(0, "m=00")) == [0, 1, 2] and numbers(fake, key(5, "m=01")) == [5, 6]
    task.stop()


def test_a_schema_change_seals_the_commit_and_backward_compatibility_projects_older_records():
    v1 = Schema.struct("r", [("n", INT64_SCHEMA)], version=1)
    v2 = Schema.struct("r", [("n", INT64_SCHEMA), ("extra", INT32_SCHEMA.as_optional())], version=2)
    fake = FakeS3()
    task, _ = started(fake, {TP}, **{"flush.size": "100"})
    task.put([rec(TP, 0, schema=v1), rec(TP, 1, schema=v2), rec(TP, 2, schema=v2), rec(TP, 3, schema=v1)])
    wait_until(lambda: safe(task) == {TP: 3})
    assert sorted(fake.objects) == [key(0), key(1)]  # NONE: every change
    task.stop()
    fake = FakeS3()
    task, _ = started(fake, {TP}, **{"flush.size": "4", "schema.compatibility": "BACKWARD"})
    task.put([rec(TP, 0, schema=v2), rec(TP, 1, {"n": 1}, schema=v1), rec(TP, 2, schema=v2), rec(TP, 3, schema=v1)])
    wait_until(lambda: safe(task) == {TP: 4})
    assert [orjson.loads(line) for line in fake.lines(key(0))] == [
        {"n": 0},
        {"n": 1, "extra": None},
        {"n": 2},
        {"n": 3, "extra": None},
    ]
    task.stop()


def test_skipped_records_are_safe_once_nothing_is_open_and_bad_ones_are_reported():
    fake = FakeS3()
    task, context = started(fake, {TP})
    task.put([rec(TP, 0), rec(TP, 1), rec(TP, 2), rec(TP, 3, None), rec(TP, 4, None)])
    wait_until(lambda: safe(task) == {TP: 5})  # 3 and 4 are tombstones: reported, and nothing is left open
    assert [r.kafka_offset for r, _e in context.errant_record_reporter.reported] == [3, 4]
    task.stop()
    fake = FakeS3()
    task, context = started(fake, {TP}, **{"behavior.on.null.values": "ignore"})
    task.put([rec(TP, 0), rec(TP, 1, None), rec(TP, 2)])
    assert safe(task) == {TP: 0}  # 0 and 2 are in an open file
    assert context.errant_record_reporter.reported == []
    task.stop()


def test_put_refuses_records_while_requests_fail_and_fails_the_task_for_what_retrying_cannot_fix():
    fake = FakeS3()
    task, _ = started(fake, {TP}, **{"recover.offsets.from.objects": "false"})
    fake.transient = 10**9
    task.put([rec(TP, o) for o in range(3)])  # accepted: the PUT fails in the background
    wait_until(lambda: task._uploader.stalled is not None)
    with pytest.raises(RetriableException, match="not accepting writes"):
        task.put([rec(TP, 3)])
    assert safe(task) == {TP: 0}
    fake.transient = 0
    wait_until(lambda: safe(task) == {TP: 3})
    task.put([rec(TP, 3)])
    fake.fatal = "access denied (injected)"
    task.put([rec(TP, 4), rec(TP, 5)])
    wait_until(lambda: task._uploader.fatal is not None)
    with pytest.raises(ConnectException, match="access denied"):
        task.put([])
    with pytest.raises(ConnectException, match="access denied"):
        task.pre_commit({})
    task.stop()


def test_start_fails_on_a_missing_bucket_and_rides_out_an_unreachable_store():
    fake = FakeS3()
    fake.bucket_exists = False
    with pytest.raises(ConnectException, match="does not exist"):
        started(fake, {TP})
    fake = FakeS3()
    fake.transient = 1
    task, _ = started(fake, {TP})
    task.stop()


def test_recovery_resumes_after_the_newest_commit_or_respects_a_group_that_is_past_it():
    fake = FakeS3()
    task, _ = started(fake, {TP})
    task.put([rec(TP, o) for o in range(7)])
    wait_until(lambda: safe(task) == {TP: 6})
    task.stop()
    newest = fake.objects[key(3)]

    # The group lost its offsets: the consumer starts at 0. Objects up to the newest commit's start stay.
    task, context = started(fake, {TP})
    fake.transient = 1  # the listing fails once: the batch is refused, nothing accepted
    with pytest.raises(RetriableException, match="recovering"):
        task.put([rec(TP, o) for o in range(2)])
    task.put([rec(TP, o) for o in range(5)])
    assert context.rewinds == {TP: 3}
    assert key(3) not in fake.objects or fake.objects[key(3)] == newest  # deleted, then rewritten the same
    task.put([rec(TP, o) for o in range(3, 7)])
    wait_until(lambda: safe(task) == {TP: 6})
    assert fake.objects[key(3)] == newest
    task.stop()

    # The group is past the newest commit (it was complete): nothing deleted, nothing rewound.
    task, context = started(fake, {TP})
    task.put([rec(TP, o) for o in range(6, 9)])
    assert context.rewinds == {}
    wait_until(lambda: safe(task) == {TP: 9})
    assert sorted(fake.objects) == [key(0), key(3), key(6)]
    task.stop()


def test_a_file_bigger_than_a_part_is_a_multipart_upload_and_memory_pressure_pauses_partitions():
    fake = FakeS3()
    part = 5 * 1024 * 1024
    task, context = started(fake, {TP}, **{"flush.size": "30", "s3.part.size": str(part)})
    fake.hold.clear()
    blob = "b" * (1024 * 1024)
    for o in range(30):
        task.put([rec(TP, o, {"n": o, "blob": blob})])
    assert context.paused == {TP}  # more than two parts wait for S3
    fake.hold.set()
    wait_until(lambda: safe(task) == {TP: 30})
    task.put([])
    assert context.paused == set()
    assert [orjson.loads(line)["n"] for line in fake.lines(key(0))] == list(range(30))
    task.stop()


def test_close_abandons_what_was_not_committed():
    fake = FakeS3()
    task, _ = started(fake, {TP}, **{"recover.offsets.from.objects": "false"})
    fake.transient = 10**9
    task.put([rec(TP, o) for o in range(3)])
    done = threading.Event()
    threading.Thread(target=lambda: (task.close({TP}), done.set()), daemon=True).start()
    assert done.wait(10)
    assert safe(task) == {}
    task.stop()
