"""Records → Redis commands, applied to a fake Redis: what each redis.type leaves in Redis, deletes, replays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import orjson
import pytest

from connect.data import Schema, SinkRecord
from connect.data.schema import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA
from connectors.redis.config import RedisSinkConfig
from connectors.redis.convert import CommandBuilder
from tests.unit.connectors.redis.fakes import FakeRedis

ROW = Schema.struct("shop.public.orders.Value", [("id", INT64_SCHEMA), ("name", OPTIONAL_STRING_SCHEMA)], optional=True)
ENVELOPE = Schema.struct(
    "shop.public.orders.Envelope", [("before", ROW), ("after", ROW), ("op", OPTIONAL_STRING_SCHEMA)]
)


def rec(key, value, offset=0, topic="orders", value_schema=None):
    return SinkRecord(topic, 0, None, key, value_schema, value, offset)


def change(op, before, after, offset=0, schema=True):
    """A Debezium change event keyed by the row's id, with the envelope schema or schemaless."""
    row = after if after is not None else before
    value = {"before": before, "after": after, "op": op, "source": {"table": "orders"}, "ts_ms": 1}
    if schema:
        value.pop("source"), value.pop("ts_ms")
    return SinkRecord("orders", 0, None, {"id": row["id"]}, ENVELOPE if schema else None, value, offset)


def apply(records, redis=None, **props):
    redis = redis or FakeRedis()
    builder = CommandBuilder(RedisSinkConfig.parse({"redis.type": "HASH", **props}))
    batch = builder.build(records)
    redis.run(batch.commands)
    return redis, batch


def test_string_values_are_json_for_structs_and_as_they_are_for_text_and_bytes():
    redis, _ = apply(
        [
            rec(1, {"id": 1, "price": Decimal("12.50"), "at": dt.datetime(2026, 1, 2, 3, 4, 5)}),
            rec(2, "plain text"),
            rec(3, b"\x00raw"),
            rec(4, 42),
        ],
        **{"redis.type": "STRING"},
    )
    assert orjson.loads(redis.value("orders:1")) == {"id": 1, "price": 12.50, "at": "2026-01-02T03:04:05Z"}
    assert b'"price":12.50' in redis.value("orders:1")  # decimals keep every digit
    assert redis.value("orders:2") == b"plain text"
    assert redis.value("orders:3") == b"\x00raw"
    assert redis.value("orders:4") == b"42"


def test_hash_has_one_field_per_field_nested_values_as_json_nulls_left_out():
    redis, _ = apply(
        [
            rec(
                7,
                {
                    "id": 7,
                    "ok": True,
                    "tags": ["a", "b"],
                    "addr": {"city": "Oslo"},
                    "note": None,
                    "amount": Decimal("1E+2"),
                    "day": dt.date(2026, 5, 1),
                },
            )
        ]
    )
    assert redis.value("orders:7") == {
        b"id": b"7",
        b"ok": b"true",
        b"tags": b'["a","b"]',
        b"addr": b'{"city":"Oslo"}',
        b"amount": b"100",
        b"day": b"2026-05-01",
    }


def test_hash_is_replaced_as_a_whole_so_removed_and_nulled_fields_disappear():
    redis, _ = apply([rec(1, {"id": 1, "name": "a", "extra": "x"})])
    apply([rec(1, {"id": 1, "name": None})], redis)
    assert redis.value("orders:1") == {b"id": b"1"}


@pytest.mark.parametrize("kind", ["STRING", "HASH", "LIST", "SET", "ZSET"])
def test_a_batch_applied_twice_leaves_the_same_state(kind):
    records = [rec(i % 3, {"id": i % 3, "n": i}, offset=i) for i in range(7)] + [rec(1, None, offset=7)]
    once, _ = apply(records, **{"redis.type": kind, "redis.score.field": "n"})
    twice, _ = apply(records, **{"redis.type": kind, "redis.score.field": "n"})
    apply(records, twice, **{"redis.type": kind, "redis.score.field": "n"})
    assert twice.data == once.data


def test_stream_appends_fields_and_trims_approximately_when_maxlen_is_set():
    redis, batch = apply(
        [rec(1, {"id": 1, "name": None, "qty": 2}), rec(2, "text")],
        **{"redis.type": "STREAM", "redis.stream.maxlen": "1000"},
    )
    assert [entry for _, entry in redis.value("orders")] == [{b"id": b"1", b"qty": b"2"}, {b"value": b"text"}]
    assert batch.commands[0][:5] == ("XADD", "orders", "MAXLEN", "~", 1000)


def test_list_holds_each_member_once_in_push_order_and_a_delete_removes_it():
    redis, _ = apply(
        [rec("a", {}), rec("b", {}), rec("a", {}), rec("c", {}), rec("c", None)],
        **{"redis.type": "LIST", "redis.key.prefix": "recent"},
    )
    assert redis.value("recent") == [b"a", b"b"]
    redis, _ = apply(
        [rec("a", {}), rec("b", {})], **{"redis.type": "LIST", "redis.key.prefix": "q", "redis.push.direction": "RIGHT"}
    )
    assert redis.value("q") == [b"a", b"b"]


def test_set_and_sorted_set_members_are_record_keys_and_deletes_remove_them():
    redis, _ = apply(
        [rec(1, {"score": 5}), rec(2, {"score": 7.5}), change("d", {"id": 1}, None)], **{"redis.type": "SET"}
    )
    assert redis.value("orders") == {b"2"}
    redis, _ = apply(
        [rec(1, {"score": 5}), rec(2, {"score": "7.5"}), rec(3, 3), rec(2, None)],
        **{"redis.type": "SORTED_SET", "redis.score.field": "score"},
    )
    assert redis.value("orders") == {b"1": 5.0}
    # Without a score field the value itself is the score (as in Redis Inc.'s connector).
    redis, batch = apply([rec(3, 3)], **{"redis.type": "ZSET"})
    assert redis.value("orders") == {b"3": 3.0} and not batch.invalid


def test_a_score_that_is_not_a_number_sets_that_record_aside_with_the_reason():
    _, batch = apply(
        [rec(1, {"score": "high"}), rec(2, {"score": 2})], **{"redis.type": "ZSET", "redis.score.field": "score"}
    )
    [(bad, error)] = batch.invalid
    assert bad.key == 1 and "redis.score.field 'score' is not a number: 'high'" in str(error)


def test_json_type_sends_json_set_of_the_whole_document():
    _, batch = apply([rec(1, {"id": 1, "items": [{"sku": "x"}]})], **{"redis.type": "JSON"})
    assert batch.commands == [("JSON.SET", "orders:1", "$", b'{"id":1,"items":[{"sku":"x"}]}')]


@pytest.mark.parametrize("schema", [True, False], ids=["with-schema", "schemaless"])
def test_debezium_envelopes_write_the_after_image_and_delete_on_op_d(schema):
    records = [
        change("r", None, {"id": 1, "name": "one"}, 0, schema),
        change("c", None, {"id": 2, "name": "two"}, 1, schema),
        change("u", {"id": 1, "name": "one"}, {"id": 1, "name": "uno"}, 2, schema),
        change("d", {"id": 2, "name": "two"}, None, 3, schema),
        rec({"id": 2}, None, 4),
    ]  # the tombstone that follows a delete
    redis, batch = apply(records)
    assert redis.keys() == {"orders:1"}
    assert redis.value("orders:1") == {b"id": b"1", b"name": b"uno"}
    assert not batch.invalid


def test_invalidate_mode_deletes_the_key_of_every_change_and_writes_nothing():
    redis = FakeRedis()
    redis.run([("SET", "orders:1", "cached"), ("SET", "orders:2", "cached"), ("SET", "orders:3", "cached")])
    _, batch = apply(
        [change("u", {"id": 1}, {"id": 1, "name": "x"}), change("d", {"id": 2}, None), rec(9, {"id": 9})],
        redis,
        **{"redis.mode": "invalidate"},
    )
    assert redis.keys() == {"orders:3"}
    assert [c[0] for c in batch.commands] == ["DEL", "DEL", "DEL"]
    _, batch = apply([rec(1, {"id": 1})], **{"redis.command": "DEL", "redis.type": "HASH"})
    assert batch.commands == [("DEL", "orders:1")]


def test_ttl_is_set_in_the_same_batch_as_the_write():
    redis, batch = apply([rec(1, {"id": 1}), rec(2, {"id": 2})], **{"redis.key.ttl": "60"})
    assert redis.ttl == {b"orders:1": 60, b"orders:2": 60}
    assert batch.commands[:3] == [("DEL", "orders:1"), ("HSET", "orders:1", "id", 1), ("EXPIRE", "orders:1", 60)]
    _, batch = apply([rec(1, "v")], **{"redis.type": "STRING", "redis.key.ttl": "60"})
    assert batch.commands == [("SET", "orders:1", "v", "EX", 60)]


def test_a_record_that_cannot_be_converted_is_set_aside_and_the_others_written():
    redis, batch = apply([rec(1, {"id": 1}), rec(2, "not a struct"), rec(None, {"id": 3}), rec(4, {"id": 4})])
    assert redis.keys() == {"orders:1", "orders:4"}
    assert [(r.key, str(e)[:36]) for r, e in batch.invalid] == [
        (2, "redis.type=HASH needs a struct or ma"),
        (None, "the key is null; Redis keys need a r"),
    ]
    assert batch.ends == [2, 2, 2, 4]


def test_truncate_and_message_events_change_nothing():
    t = SinkRecord("orders", 0, None, None, None, {"op": "t", "source": {}, "before": None, "after": None}, 0)
    _, batch = apply([t])
    assert batch.commands == [] and not batch.invalid
