"""Connector config validation: the ConfigInfos shape and messages that name the key."""

from connect.runtime.validation import validate_connector_config
from tests.support.plugins import fake_registry

REGISTRY = fake_registry()


def errors_of(infos):
    return {c["value"]["name"]: c["value"]["errors"] for c in infos["configs"] if c["value"]["errors"]}


def test_valid_config_has_no_errors_and_kafka_connect_shape():
    infos = validate_connector_config(REGISTRY, {"name": "a", "connector.class": "counting", "topic": "t"})
    assert infos["error_count"] == 0
    assert set(infos) == {"name", "error_count", "groups", "configs"}
    first = infos["configs"][0]
    assert set(first) == {"definition", "value"}
    assert {
        "name",
        "type",
        "required",
        "default_value",
        "importance",
        "documentation",
        "group",
        "width",
        "display_name",
        "dependents",
        "order",
    } <= set(first["definition"])
    assert set(first["value"]) == {"name", "value", "recommended_values", "errors", "visible"}


def test_unknown_class_missing_key_and_wrong_type_are_named():
    assert "connector.class" in errors_of(validate_connector_config(REGISTRY, {"name": "a", "connector.class": "nope"}))
    missing = errors_of(validate_connector_config(REGISTRY, {"name": "a", "connector.class": "counting"}))
    assert missing == {"topic": ['Missing required configuration "topic" which has no default value.']}
    wrong = errors_of(
        validate_connector_config(
            REGISTRY, {"name": "a", "connector.class": "counting", "topic": "t", "tasks.max": "many"}
        )
    )
    assert list(wrong) == ["tasks.max"] and "tasks.max" in wrong["tasks.max"][0]


def test_transform_keys_are_validated():
    infos = validate_connector_config(
        REGISTRY,
        {
            "name": "a",
            "connector.class": "counting",
            "topic": "t",
            "transforms": "add",
            "transforms.add.type": "AddField",
        },
    )
    assert errors_of(infos) == {
        "transforms.add.field": ['Missing required configuration "transforms.add.field" which has no default value.']
    }


def test_sink_needs_topics():
    infos = validate_connector_config(REGISTRY, {"name": "s", "connector.class": "collecting"})
    assert "Must configure one of topics or topics.regex" in errors_of(infos)["topics"]


def test_provider_references_are_checked_resolved_and_shown_as_written(monkeypatch):
    monkeypatch.setenv("SLUICE_TEST_COUNT", "7")
    infos = validate_connector_config(
        REGISTRY, {"name": "a", "connector.class": "counting", "topic": "t", "count": "${env:SLUICE_TEST_COUNT}"}
    )
    assert infos["error_count"] == 0
    [count] = [c["value"] for c in infos["configs"] if c["value"]["name"] == "count"]
    assert count["value"] == "${env:SLUICE_TEST_COUNT}"
    missing = validate_connector_config(
        REGISTRY, {"name": "a", "connector.class": "counting", "topic": "t", "count": "${env:SLUICE_SURELY_UNSET}"}
    )
    assert "SLUICE_SURELY_UNSET is not set" in str(errors_of(missing)["count"])
