"""ConfigDef: parsing, validation messages that name the key, masking, docs."""

import pytest

from connect.config import NO_DEFAULT, ConfigDef, Importance, Range, Type, ValidString
from connect.config.definition import mask_secrets
from connect.errors import ConfigException

DEF = (
    ConfigDef()
    .define("host", Type.STRING, NO_DEFAULT, Importance.HIGH, "Host.")
    .define("port", Type.INT, 5432, Importance.MEDIUM, "Port.", validator=Range.between(1, 65535))
    .define("mode", Type.STRING, "a", Importance.LOW, "Mode.", validator=ValidString.in_("a", "b"))
    .define("tables", Type.LIST, "", Importance.LOW, "Tables.")
    .define("secret.password", Type.PASSWORD, None, Importance.LOW, "Secret.")
    .define("on", Type.BOOLEAN, False, Importance.LOW, "Switch.")
)


def test_parse_converts_types_and_applies_defaults():
    parsed = DEF.parse({"host": "db", "tables": "a, b", "on": "TRUE", "secret.password": "s3"})
    assert parsed["port"] == 5432
    assert parsed["tables"] == ["a", "b"]
    assert parsed["on"] is True
    assert str(parsed["secret.password"]) == "[hidden]"
    assert parsed["secret.password"].value == "s3"


@pytest.mark.parametrize(
    ("props", "key", "fragment"),
    [
        ({}, "host", "Missing required configuration"),
        ({"host": "h", "port": "http"}, "port", "Not a number of type INT"),
        ({"host": "h", "port": "70000"}, "port", "no more than 65535"),
        ({"host": "h", "mode": "c"}, "mode", "one of: a, b"),
        ({"host": "h", "on": "yes"}, "on", "true or false"),
    ],
)
def test_parse_errors_name_the_key(props, key, fragment):
    with pytest.raises(ConfigException) as info:
        DEF.parse(props)
    assert info.value.name == key
    assert key in str(info.value)
    assert fragment in str(info.value)


def test_validate_collects_every_error():
    results = DEF.validate({"port": "x", "mode": "z"})
    assert results["host"].errors == ['Missing required configuration "host" which has no default value.']
    assert "port" in results["port"].errors[0]
    assert results["mode"].errors
    assert not results["tables"].errors


def test_password_never_shown():
    masked = mask_secrets(
        DEF, {"host": "h", "secret.password": "s3", "other.password": "p", "ref.password": "${file:/x:y}"}
    )
    assert masked["secret.password"] == "[hidden]"
    assert masked["other.password"] == "[hidden]"
    assert masked["ref.password"] == "${file:/x:y}"
    assert masked["host"] == "h"
    assert "s3" not in repr(DEF.parse({"host": "h", "secret.password": "s3"}))


def test_markdown_lists_every_key_with_default():
    page = DEF.to_markdown("Test")
    for key in DEF.keys:
        assert f"`{key}`" in page
    assert "*required*" in page and "`5432`" in page


def test_converter_secrets_and_url_passwords_never_shown():
    masked = mask_secrets(
        None,
        {
            "value.converter.basic.auth.user.info": "fred:s3",
            "value.converter.schema.registry.url": "http://fred:s3@reg:8081,https://a:b@reg2",
            "value.converter.schema.registry.ssl.keystore.key": "-----BEGIN PRIVATE KEY-----",
            "value.converter.schema.registry.ssl.truststore.password": "s3",
            "topics": "orders@eu",
        },
    )
    assert masked == {
        "value.converter.basic.auth.user.info": "[hidden]",
        "value.converter.schema.registry.url": "http://fred:[hidden]@reg:8081,https://a:[hidden]@reg2",
        "value.converter.schema.registry.ssl.keystore.key": "[hidden]",
        "value.converter.schema.registry.ssl.truststore.password": "[hidden]",
        "topics": "orders@eu",
    }
