"""The sink's settings: Confluent's keys and defaults, Debezium's names as aliases, errors naming the key."""

from __future__ import annotations

import pytest

from connect.errors import ConfigException
from connect.plugins import PluginKind, PluginRegistry
from connectors.jdbc.config import InsertMode, JdbcSinkConfig, PkMode
from connectors.jdbc.connector import JdbcSinkConnector
from connectors.jdbc.url import Kind, parse_url

URL = "jdbc:postgresql://db:5432/reporting"


def test_defaults_are_confluents():
    c = JdbcSinkConfig.parse({"connection.url": URL})
    assert (c.insert_mode, c.pk_mode, c.pk_fields, c.batch_size) == (InsertMode.INSERT, PkMode.NONE, (), 3000)
    assert (c.max_retries, c.retry_backoff_ms, c.connection_attempts, c.connection_backoff_ms) == (10, 3000, 3, 10000)
    assert (c.auto_create, c.auto_evolve, c.delete_enabled, c.quote) == (False, False, False, True)
    assert (c.table_format, c.timezone, c.sequence_column) == ("${topic}", "UTC", None)


def test_debeziums_names_stand_in_when_confluents_are_not_set():
    c = JdbcSinkConfig.parse(
        {
            "connection.url": URL,
            "connection.username": "dbz",
            "primary.key.mode": "record_key",
            "primary.key.fields": "id",
            "collection.name.format": "${source.table}",
            "schema.evolution": "basic",
            "quote.identifiers": "false",
            "use.time.zone": "Europe/Paris",
            "field.include.list": "orders:total",
        }
    )
    assert (c.user, c.pk_mode, c.pk_fields, c.table_format) == ("dbz", PkMode.RECORD_KEY, ("id",), "${source.table}")
    assert (c.auto_create, c.auto_evolve, c.quote, c.timezone) == (True, True, False, "Europe/Paris")
    assert c.fields.keeps("orders", "total") and not c.fields.keeps("orders", "note")
    both = JdbcSinkConfig.parse({"connection.url": URL, "pk.mode": "kafka", "primary.key.mode": "record_key"})
    assert both.pk_mode is PkMode.KAFKA


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"insert.mode": "upsert"}, "pk.mode"),
        ({"delete.enabled": "true", "pk.mode": "record_value"}, "pk.mode"),
        ({"pk.mode": "kafka", "pk.fields": "a,b"}, "pk.fields"),
        ({"sequence.column": "lsn"}, "sequence.column"),
        ({"db.timezone": "Mars/Olympus"}, "db.timezone"),
        ({"table.name.format": "${topik}"}, "table.name.format"),
        ({"insert.mode": "merge"}, "insert.mode"),
    ],
)
def test_a_bad_setting_is_refused_naming_its_key(props, key):
    with pytest.raises(ConfigException) as err:
        JdbcSinkConfig.parse({"connection.url": URL, **props})
    assert err.value.name == key


def test_urls_of_both_anchors_and_plain_driver_urls():
    pg = parse_url("connection.url", "jdbc:postgresql://h1:5433,h2/db?user=u&password=p&sslmode=require")
    assert (pg.kind, pg.hosts, pg.database, pg.user, pg.password) == (
        Kind.POSTGRES,
        (("h1", 5433), ("h2", 5432)),
        "db",
        "u",
        "p",
    )
    assert pg.params == {"sslmode": "require"}
    maria = parse_url("connection.url", "jdbc:mysql://root:s3@127.0.0.1/shop")
    assert (maria.kind, maria.hosts, maria.user, maria.password) == (Kind.MARIADB, (("127.0.0.1", 3306),), "root", "s3")
    assert parse_url("connection.url", "mariadb://h:13306/x").kind is Kind.MARIADB
    for bad in ("jdbc:oracle:thin:@h:1521:x", "jdbc:postgresql://h:5432/", "http://h/db"):
        with pytest.raises(ConfigException):
            parse_url("connection.url", bad)


def test_the_password_is_masked():
    c = JdbcSinkConfig.parse({"connection.url": URL, "connection.password": "s3cret"})
    assert c.password == "s3cret"
    assert "s3cret" not in repr(
        JdbcSinkConnector.config_def.parse({"connection.url": URL, "connection.password": "s3cret"})
    )


def test_both_anchors_class_names_resolve_to_the_connector():
    registry = PluginRegistry()
    for name in ("io.confluent.connect.jdbc.JdbcSinkConnector", "io.debezium.connector.jdbc.JdbcSinkConnector", "jdbc"):
        assert registry.load(PluginKind.CONNECTOR, name) is JdbcSinkConnector


def test_validate_names_an_unreachable_database():
    results = JdbcSinkConnector().validate({"connection.url": "jdbc:postgresql://127.0.0.1:1/none", "topics": "t"})
    errors = results["connection.url"].errors
    assert errors and "127.0.0.1:1/none" in errors[0]
