"""Config and server checks that need no server: keys, defaults, aliases, and the fix-it messages."""

from __future__ import annotations

import pytest

from connect.errors import ConfigException
from connectors.postgres.config import CONFIG_DEF, PostgresConfig
from connectors.postgres.connector import PostgresConnector
from connectors.postgres.coordinator import server_problems

REQUIRED = {"database.hostname": "db", "database.user": "cdc", "database.dbname": "shop", "topic.prefix": "shop"}


class FakeConn:
    def __init__(self, wal_level: str, may_replicate: bool) -> None:
        self.answers = [(wal_level,), ("cdc", may_replicate)]

    def execute(self, *_args):
        answer = self.answers.pop(0)
        return type("Cursor", (), {"fetchone": lambda self: answer})()


def test_server_problems_say_what_to_change():
    problems = server_problems(FakeConn("replica", False))  # type: ignore[arg-type]
    assert "wal_level = logical" in problems[0] and "restart Postgres" in problems[0]
    assert "ALTER ROLE cdc WITH REPLICATION" in problems[1]
    assert server_problems(FakeConn("logical", True)) == []  # type: ignore[arg-type]


def test_defaults_are_debeziums():
    config = PostgresConfig.parse(REQUIRED)
    assert (config["slot.name"], config["publication.name"], config["plugin.name"]) == (
        "debezium",
        "dbz_publication",
        "pgoutput",
    )
    assert config.snapshot_mode == "initial" and config.skipped == frozenset({"t"})
    assert config["max.batch.size"] == 2048 and config["tombstones.on.delete"] is True
    assert PostgresConfig.parse({**REQUIRED, "snapshot.mode": "never"}).snapshot_mode == "no_data"


def test_bad_values_name_the_key():
    with pytest.raises(ConfigException, match=r"decimal\.handling\.mode"):
        CONFIG_DEF.parse({**REQUIRED, "decimal.handling.mode": "exact"})
    results = CONFIG_DEF.validate({"database.hostname": "db"})
    assert results["topic.prefix"].errors and results["database.user"].errors


def test_the_connector_answers_to_debeziums_class_name_and_runs_one_task():
    assert "io.debezium.connector.postgresql.PostgresConnector" in PostgresConnector.aliases
    connector = PostgresConnector()
    connector.start(REQUIRED)
    assert connector.task_configs(4) == [REQUIRED]


def test_message_key_columns_parse_per_table():
    config = PostgresConfig.parse({**REQUIRED, "message.key.columns": "public.orders:a,b;inventory\\..*:id"})
    assert config.message_key_columns() == [("public.orders", ["a", "b"]), ("inventory\\..*", ["id"])]
