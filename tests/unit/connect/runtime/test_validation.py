"""Connector config validation: the ConfigInfos shape and messages that name the key."""

import pytest

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


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a/b", "no '/'"),
        ("../x", "no '/'"),
        ("..", "not '.' or '..'"),
        ("p\nq", "control characters, found U+000A"),
        ("p\x00", "control characters, found U+0000"),
        ("x" * 256, "longer than 255 characters"),
        ("   ", "non-empty"),
    ],
)
def test_a_name_that_cannot_be_part_of_a_url_is_an_error(name, reason):
    errors = errors_of(validate_connector_config(REGISTRY, {"name": name, "connector.class": "counting", "topic": "t"}))
    assert list(errors) == ["name"] and reason in errors["name"][0]


def test_names_that_are_fine():
    for name in ("orders-cdc", "a b", "ünïcödé", "x" * 255, "a.b", "a\\b"):
        config = {"name": name, "connector.class": "counting", "topic": "t"}
        assert validate_connector_config(REGISTRY, config)["error_count"] == 0, name


@pytest.mark.parametrize(
    ("key", "value"),
    [("key.converter", "os.system"), ("value.converter", "Utf8Headers"), ("header.converter", "PlainJson")],
)
def test_a_converter_that_names_no_plugin_of_its_kind_is_an_error_up_front(key, value):
    config = {"name": "a", "connector.class": "counting", "topic": "t", key: value}
    errors = errors_of(validate_connector_config(REGISTRY, config))
    assert list(errors) == [key] and f"'{value}'" in errors[key][0]
    known = {"key.converter": "PlainJson", "value.converter": "PlainJson", "header.converter": "Utf8Headers"}
    assert validate_connector_config(REGISTRY, {**config, key: known[key]})["error_count"] == 0


def test_a_reference_to_an_unknown_config_provider_is_an_error():
    config = {"name": "a", "connector.class": "counting", "topic": "t", "db.password": "${vault:secret/db:pw}"}
    errors = errors_of(validate_connector_config(REGISTRY, config))
    assert list(errors) == ["db.password"] and "unknown config provider 'vault'" in errors["db.password"][0]
    templated = {"name": "a", "connector.class": "counting", "topic": "t", "route": "${topic}-out"}
    assert validate_connector_config(REGISTRY, templated)["error_count"] == 0  # a template, not a reference


def test_validation_shows_no_secret():
    config = {
        "name": "a",
        "connector.class": "counting",
        "topic": "t",
        "count": "http://u:url-secret@h",  # invalid (not a number) and a URL with a password
        "aws.secret.access.key": "aws-secret-value",
        "tasks.max": "nope",
    }
    text = str(validate_connector_config(REGISTRY, config))
    assert "url-secret" not in text and "aws-secret-value" not in text
