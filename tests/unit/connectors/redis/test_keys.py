"""Key rendering: stable for every key shape, with prefix, value field or template."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connect.data import SinkRecord
from connect.errors import DataException
from connectors.redis.config import RedisSinkConfig
from connectors.redis.keys import KeyMaker, render_key


def keys(**props):
    return KeyMaker(RedisSinkConfig.parse({"redis.type": "HASH", **props}))


def rec(key, value=None, topic="orders"):
    return SinkRecord(topic, 0, None, key, None, value, 0)


@pytest.mark.parametrize(
    ("key", "rendered"),
    [
        ("abc", "abc"),
        (b"\x01b", b"\x01b"),
        (42, "42"),
        (-7, "-7"),
        (1.5, "1.5"),
        (True, "true"),
        (Decimal("10.00"), "10.00"),
        (Decimal("1E+3"), "1000"),
        ({"id": 5}, "5"),
        ({"id": "x"}, "x"),
        ({"tenant": "acme", "id": 5}, "acme:5"),
        ({"id": 5, "tenant": "acme"}, "5:acme"),
        ({"a": {"b": 1, "c": 2}, "d": 3}, "1:2:3"),
        ([1, "x"], "1:x"),
        ({"k": b"\xff", "n": 1}, "/w==:1"),
    ],
)
def test_record_keys_render_stably(key, rendered):
    assert render_key(key, ":") == rendered


@pytest.mark.parametrize("key", [None, {"id": None}, {"a": 1, "b": None}])
def test_a_null_key_or_key_field_is_a_data_error(key):
    with pytest.raises(DataException, match="null"):
        render_key(key, ":")


def test_prefix_and_separator_with_the_topic_token_and_an_empty_prefix():
    assert keys().key(rec({"id": 1}), None) == "orders:1"
    assert (
        keys(**{"redis.key.prefix": "cache.${topic}", "redis.separator": "/"}).key(rec({"a": 1, "b": 2}), None)
        == "cache.orders/1/2"
    )
    assert keys(**{"redis.key.prefix": ""}).key(rec("raw-key"), None) == "raw-key"
    assert keys(**{"redis.key.prefix": "p"}).key(rec(b"\x00"), None) == b"p:\x00"
    # Redis Inc.'s name for the prefix is read when the prefix is not given.
    assert keys(**{"redis.key": "legacy"}).key(rec(1), None) == "legacy:1"
    assert keys(**{"redis.key": "legacy", "redis.key.prefix": "new"}).key(rec(1), None) == "new:1"


def test_key_field_comes_from_the_row_or_for_a_tombstone_from_the_record_key():
    maker = keys(**{"redis.key.field": "sku", "redis.key.prefix": "item"})
    assert maker.key(rec(None, {"sku": "X-1"}), {"sku": "X-1"}) == "item:X-1"
    assert maker.key(rec({"sku": "X-1"}), None) == "item:X-1"
    with pytest.raises(DataException, match=r"redis\.key\.field 'sku' is missing or null"):
        maker.key(rec(1, {"name": "n"}), {"name": "n"})


def test_template_fills_fields_from_the_value_then_the_key_and_the_topic():
    maker = keys(**{"redis.key.template": "${topic}:{tenant}:order:{id}"})
    assert maker.key(rec({"id": 9}, {"tenant": "acme"}), {"tenant": "acme"}) == "orders:acme:order:9"
    assert keys(**{"redis.key.template": "u:{user.id}"}).key(rec(None), {"user": {"id": 3}}) == "u:3"
    with pytest.raises(DataException, match=r"no value for 'tenant' \(looked in the value, then in the key\)"):
        maker.key(rec({"id": 9}), None)


def test_collections_are_named_by_the_prefix_or_the_template_and_members_by_the_record_key():
    assert keys(**{"redis.type": "SET"}).collection(rec(1), None) == "orders"
    maker = keys(**{"redis.type": "SET", "redis.key.template": "customer:{customer_id}:orders"})
    assert maker.collection(rec(1), {"customer_id": 4}) == "customer:4:orders"
    assert maker.identity(rec({"id": 17}), {"customer_id": 4}) == "17"
