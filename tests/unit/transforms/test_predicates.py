"""TopicNameMatches, HasHeaderKey, RecordIsTombstone, alone and with `negate` in the runtime's chain."""

import pytest

from connect.data import Header
from connect.errors import ConfigException
from connect.plugins import default_registry
from connect.runtime.connector_config import chain_config
from connect.runtime.transform_chain import build_chain
from tests.unit.transforms.records import configured, source
from transforms.predicates import HasHeaderKey, RecordIsTombstone, TopicNameMatches


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("audit[.].*", "audit.users", True),
        ("audit", "audit.users", False),  # the whole name must match
        ("(?<kind>audit|log)-.*", "log-1", True),
    ],
)
def test_topic_name_matches(pattern, topic, expected):
    assert configured(TopicNameMatches, pattern=pattern).test(source(topic=topic)) is expected


def test_has_header_key_and_record_is_tombstone():
    has = configured(HasHeaderKey, name="retry")
    assert has.test(source("v", headers=(Header("x", 1), Header("retry", None))))
    assert not has.test(source("v", headers=(Header("x", 1),)))
    assert configured(RecordIsTombstone).test(source(None))
    assert not configured(RecordIsTombstone).test(source(0))


@pytest.mark.parametrize(
    ("cls", "props", "key"),
    [
        (TopicNameMatches, {}, "pattern"),
        (TopicNameMatches, {"pattern": ""}, "pattern"),
        (TopicNameMatches, {"pattern": "a("}, "pattern"),
        (HasHeaderKey, {"name": ""}, "name"),
    ],
)
def test_config_errors_name_the_key(cls, props, key):
    with pytest.raises(ConfigException) as info:
        configured(cls, props)
    assert info.value.name == key


def test_negate_and_java_class_names_through_the_chain():
    chain = build_chain(
        default_registry(),
        chain_config(
            {
                "transforms": "keepAudit",
                "predicates": "isAudit",
                "transforms.keepAudit.type": "org.apache.kafka.connect.transforms.Filter",
                "transforms.keepAudit.predicate": "isAudit",
                "transforms.keepAudit.negate": "true",
                "predicates.isAudit.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "predicates.isAudit.pattern": "audit.*",
            }
        ),
    )
    assert chain.apply(source("v", topic="audit.users")).value == "v"
    assert chain.apply(source("v", topic="orders")) is None
