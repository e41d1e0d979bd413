"""RegexRouter and TimestampRouter: the topic renamed from Java regexes and SimpleDateFormat patterns."""

import pytest

from connect.errors import ConfigException, DataException
from tests.unit.transforms.records import configured, sink, source
from transforms.regex_router import RegexRouter
from transforms.timestamp_router import TimestampRouter


@pytest.mark.parametrize(
    ("regex", "replacement", "topic", "expected"),
    [
        ("[^.]+[.][^.]+[.](.*)", "$1", "db.inventory.orders", "orders"),
        (r"(?<db>[^.]+)\.(?<table>.*)", "${table}-from-${db}", "shop.orders", "orders-from-shop"),
        ("orders", "orders_v2", "orders", "orders_v2"),
        ("orders", "x", "orders_old", "orders_old"),  # only a whole-topic match renames
        ("(a)(b)?", "[$2]", "a", "[]"),  # a group that did not take part is empty
        ("(.*)", "\\$1 costs $1", "tea", "$1 costs tea"),
        ("(.*)", "$12", "tea", "tea2"),  # Java reads further digits only while they name a group
        (r"\Qa.b\E", "x", "a.b", "x"),
        (r"\p{Alpha}+\d", "ok", "abc1", "ok"),
        (r"\w+", "ascii", "café", "café"),  # \w is ASCII in Java
    ],
)
def test_regex_router(regex, replacement, topic, expected):
    out = configured(RegexRouter, regex=regex, replacement=replacement).apply(source({"v": 1}, topic=topic))
    assert out.topic == expected and out.value == {"v": 1}


def test_regex_router_keeps_a_sink_records_original_topic():
    out = configured(RegexRouter, regex="(.*)", replacement="x-$1").apply(sink(topic="t"))
    assert (out.topic, out.original_topic) == ("x-t", "t")


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"regex": "(", "replacement": "x"}, "regex"),
        ({"regex": "(a)", "replacement": "$2"}, "replacement"),
        ({"regex": "(a)", "replacement": "${nope}"}, "replacement"),
        ({"regex": "(a)", "replacement": "$x"}, "replacement"),
        ({"regex": "(a)", "replacement": "x\\"}, "replacement"),
        ({"replacement": "x"}, "regex"),
    ],
)
def test_regex_router_config_errors_name_the_key(props, key):
    with pytest.raises(ConfigException) as info:
        configured(RegexRouter, props)
    assert info.value.name == key


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({}, "orders-20240131"),
        (
            {"topic.format": "${timestamp}_${topic}_${topic}", "timestamp.format": "yyyy.MM.dd'T'HH"},
            "2024.01.31T10_orders_orders",
        ),
        ({"topic.format": "fixed"}, "fixed"),
    ],
)
def test_timestamp_router(props, expected):
    out = configured(TimestampRouter, props).apply(source({"v": 1}, timestamp=1706696130250))
    assert out.topic == expected


def test_timestamp_router_needs_a_timestamp_and_a_valid_pattern():
    with pytest.raises(DataException, match="Timestamp missing"):
        configured(TimestampRouter).apply(source({"v": 1}))
    with pytest.raises(ConfigException) as info:
        configured(TimestampRouter, timestamp__format="yyyy-bb")
    assert info.value.name == "timestamp.format"
