"""The Redis sink task against the real Redis: every data type, keys, TTL, invalidation, deletes, replays, errors."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
import redis

from connect.data import Schema, SinkRecord
from connect.data.schema import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA
from connect.errors import ConnectException
from tests.integration.connectors.redis.redis_keys import KeySpace, free_port, put, redis_server, started_task
from tests.support.kafka import wait_until
from tests.support.sink_context import ListReporter

ROW = Schema.struct("db.public.items.Value", [("id", INT64_SCHEMA), ("name", OPTIONAL_STRING_SCHEMA)], optional=True)
SOURCE = Schema.struct("io.debezium.connector.postgresql.Source", [("table", STRING_SCHEMA)])
ENVELOPE = Schema.struct(
    "db.public.items.Envelope", [("before", ROW), ("after", ROW), ("source", SOURCE), ("op", STRING_SCHEMA)]
)
KEY = Schema.struct("db.public.items.Key", [("id", INT64_SCHEMA)])


def rec(topic, offset, key, value):
    return SinkRecord(topic, 0, None, key, None, value, offset)


def event(topic, offset, op, before, after):
    value = {"before": before, "after": after, "source": {"table": "items"}, "op": op}
    row = after or before
    return SinkRecord(topic, 0, KEY, {"id": row["id"]}, ENVELOPE, value, offset)


@pytest.fixture
def keys(services, unique_name):
    with KeySpace(services.redis_url, unique_name) as space:
        yield space


@pytest.fixture
def props(services, unique_name):
    return {"redis.uri": services.redis_url, "redis.key.prefix": unique_name}


def test_every_data_type_lands_as_redis_holds_it(keys, props, unique_name):
    records = [
        rec(
            unique_name,
            i,
            i,
            {"id": i, "name": f"n{i}", "score": i / 2, "price": Decimal("9.90"), "tags": ["a"], "gone": None},
        )
        for i in range(3)
    ]
    p = unique_name
    expected = {
        "STRING": {
            f"{p}:{i}".encode(): f'{{"id":{i},"name":"n{i}","score":{i / 2},"price":9.90,"tags":["a"],'
            f'"gone":null}}'.encode()
            for i in range(3)
        },
        "HASH": {
            f"{p}:{i}".encode(): {
                b"id": str(i).encode(),
                b"name": f"n{i}".encode(),
                b"score": repr(i / 2).encode(),
                b"price": b"9.90",
                b"tags": b'["a"]',
            }
            for i in range(3)
        },
        "LIST": {p.encode(): [b"2", b"1", b"0"]},
        "SET": {p.encode(): {b"0", b"1", b"2"}},
        "ZSET": {p.encode(): {b"0": 0.0, b"1": 0.5, b"2": 1.0}},
    }
    for kind, state in expected.items():
        task = started_task({**props, "redis.type": kind, "redis.score.field": "score"})
        put(task, records)
        task.stop()
        assert keys.snapshot() == state, kind
        keys.clear()
    task = started_task({**props, "redis.type": "STREAM", "redis.stream.maxlen": "2"})
    put(task, records * 50)  # 150 entries, trimmed to about 2 (`~` trims whole nodes)
    task.stop()
    [(name, entries)] = keys.snapshot().items()
    assert name == p.encode() and 2 <= len(entries) < 150
    assert entries[-1] == expected["HASH"][f"{p}:2".encode()]


def test_keys_render_composite_keys_fields_and_templates(keys, props, unique_name):
    task = started_task({**props, "redis.type": "STRING", "redis.separator": "|"})
    put(task, [rec("t", 0, {"tenant": "acme", "id": 7}, "a"), rec("t", 1, "plain", "b"), rec("t", 2, 5, "c")])
    task.stop()
    assert keys.names() == sorted(f"{unique_name}|{k}".encode() for k in ("acme|7", "plain", "5"))
    keys.clear()
    task = started_task({**props, "redis.type": "HASH", "redis.key.template": unique_name + ":order:{tenant}:{id}"})
    put(task, [rec("t", 0, {"id": 1}, {"tenant": "acme", "total": 3})])
    task.stop()
    assert keys.snapshot() == {f"{unique_name}:order:acme:1".encode(): {b"tenant": b"acme", b"total": b"3"}}


def test_ttl_is_honoured_for_strings_and_hashes(keys, props, unique_name):
    for kind in ("STRING", "HASH"):
        task = started_task({**props, "redis.type": kind, "redis.key.ttl": "120"})
        put(task, [rec(unique_name, 0, kind, {"id": 1})])
        task.stop()
    for kind in ("STRING", "HASH"):
        assert 110 <= keys.r.ttl(f"{unique_name}:{kind}") <= 120
    task = started_task({**props, "redis.type": "STRING", "redis.key.ttl": "1"})
    put(task, [rec(unique_name, 0, "short", "v")])
    task.stop()
    assert keys.r.pttl(f"{unique_name}:short") > 0
    wait_until(lambda: not keys.r.exists(f"{unique_name}:short"), timeout=5, message="the key to expire")


def test_invalidate_mode_deletes_the_key_of_every_change(keys, props, unique_name):
    for i in range(4):
        keys.r.set(f"{unique_name}:{i}", "cached")
    task = started_task({**props, "redis.mode": "invalidate"})
    put(
        task,
        [
            event(unique_name, 0, "u", {"id": 0, "name": "a"}, {"id": 0, "name": "b"}),
            event(unique_name, 1, "d", {"id": 1, "name": "a"}, None),
            rec(unique_name, 2, {"id": 2}, None),
        ],
    )
    task.stop()
    assert keys.names() == [f"{unique_name}:3".encode()]


def test_tombstones_and_change_event_deletes_remove_keys_and_creates_and_updates_write_the_after_image(
    keys, props, unique_name
):
    task = started_task({**props, "redis.type": "HASH"})
    put(
        task,
        [
            event(unique_name, 0, "r", None, {"id": 1, "name": "one"}),
            event(unique_name, 1, "c", None, {"id": 2, "name": "two"}),
            event(unique_name, 2, "c", None, {"id": 3, "name": "three"}),
            event(unique_name, 3, "u", {"id": 1, "name": "one"}, {"id": 1, "name": None}),
            event(unique_name, 4, "d", {"id": 2, "name": "two"}, None),
            rec(unique_name, 5, {"id": 2}, None),
        ],
    )
    put(task, [rec(unique_name, 6, {"id": 3}, None)])  # a plain tombstone
    task.stop()
    assert keys.snapshot() == {f"{unique_name}:1".encode(): {b"id": b"1"}}


@pytest.mark.parametrize("kind", ["STRING", "HASH", "LIST", "SET", "ZSET"])
def test_putting_the_same_batch_twice_leaves_the_same_state(keys, props, unique_name, kind):
    batch = [rec(unique_name, i, i % 4, {"id": i % 4, "v": i, "extra": "x" if i < 5 else None}) for i in range(10)]
    batch += [rec(unique_name, 10, 2, None)]
    task = started_task({**props, "redis.type": kind, "redis.score.field": "v", "redis.multiexec": "true"})
    put(task, batch)
    once = keys.snapshot()
    put(task, batch)
    task.stop()
    assert keys.snapshot() == once and once


@pytest.mark.parametrize("multiexec", ["false", "true"])
def test_a_record_redis_refuses_is_reported_and_the_rest_of_the_batch_written(keys, props, unique_name, multiexec):
    keys.r.hset(f"{unique_name}:set", "not", "a set")
    reporter = ListReporter()
    task = started_task(
        {**props, "redis.type": "SET", "redis.key.template": unique_name + ":{group}", "redis.multiexec": multiexec},
        reporter,
    )
    put(
        task,
        [
            rec("t", 0, "a", {"group": "ok"}),
            rec("t", 1, "b", {"group": "set"}),
            rec("t", 2, "c", {"group": "ok"}),
            rec("t", 3, "d", {"nothing": 1}),
        ],
    )
    task.stop()
    assert keys.read(f"{unique_name}:ok") == {b"a", b"c"}
    assert [(r.kafka_offset, str(e)) for r, e in reporter.reported] == [
        (
            1,
            "Redis refused the write of this record: WRONGTYPE Operation against a key holding the wrong kind of value",
        ),
        (
            3,
            f"redis.key.template '{unique_name}:{{group}}': the record has no value for 'group' (looked in the "
            "value, then in the key)",
        ),
    ]


def test_json_without_the_module_fails_the_task_at_start_saying_what_is_missing(services, props):
    probe = redis.Redis.from_url(services.redis_url)
    has_json = bool(probe.execute_command("COMMAND INFO", "JSON.SET")[0])
    probe.close()
    if has_json:
        pytest.skip("this Redis has the JSON module; the error path needs a server without it")
    with pytest.raises(ConnectException, match="the RedisJSON module is not loaded") as info:
        started_task({**props, "redis.type": "JSON"})
    assert "redis.type=STRING" in str(info.value)


def test_json_documents_are_set_whole_when_the_module_is_there(services, keys, props, unique_name):
    if not keys.r.execute_command("COMMAND INFO", "JSON.SET")[0]:
        pytest.skip("this Redis has no JSON module (Debian's redis-server); the error path is tested instead")
    task = started_task({**props, "redis.type": "JSON"})
    put(task, [rec(unique_name, 0, 1, {"id": 1, "items": [{"sku": "x"}]}), rec(unique_name, 1, 2, None)])
    task.stop()
    assert orjson.loads(keys.read(f"{unique_name}:1")) == {"id": 1, "items": [{"sku": "x"}]}


def test_password_and_database_number_come_from_the_uri_and_wrong_credentials_say_so(tmp_path):
    with redis_server(tmp_path, "--requirepass", "s3cret") as port:
        task = started_task(
            {"redis.uri": f"redis://:s3cret@127.0.0.1:{port}/3", "redis.type": "STRING", "redis.key.prefix": "k"}
        )
        put(task, [rec("t", 0, 1, "v")])
        task.stop()
        r = redis.Redis(port=port, password="s3cret", db=3)
        assert r.get("k:1") == b"v" and r.dbsize() == 1
        r.close()
        with pytest.raises(ConnectException, match="refused the credentials") as info:
            started_task({"redis.uri": f"redis://:wrong@127.0.0.1:{port}/0", "redis.type": "STRING"})
        assert "wrong" not in str(info.value)


def test_a_cluster_is_detected_and_written_through_cluster_mode(tmp_path):
    # The cluster bus port is given: by default it is the port + 10000, which a high free port does not have.
    with redis_server(
        tmp_path, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", str(free_port())
    ) as port:
        admin = redis.Redis(port=port)
        admin.execute_command("CLUSTER ADDSLOTSRANGE", 0, 16383)
        wait_until(lambda: admin.cluster("info")["cluster_state"] == "ok", timeout=10, message="the cluster")
        task = started_task({"redis.uri": f"redis://127.0.0.1:{port}", "redis.type": "HASH", "redis.key.prefix": "c"})
        put(task, [rec("t", i, i, {"n": i}) for i in range(50)])
        assert task._client.cluster  # the mode the sink chose
        task.stop()
        assert admin.dbsize() == 50 and admin.hgetall("c:7") == {b"n": b"7"}
        with pytest.raises(ConnectException, match=r"redis\.multiexec=false"):
            started_task({"redis.uri": f"redis://127.0.0.1:{port}", "redis.type": "HASH", "redis.multiexec": "true"})
        admin.close()
