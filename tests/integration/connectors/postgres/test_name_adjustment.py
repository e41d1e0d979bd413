"""schema.name.adjustment.mode and field.name.adjustment.mode, diffed with Debezium itself: the anchor (Kafka
Connect with Debezium's Postgres connector) and our worker capture one table whose topic prefix and column names
Avro does not allow; both emit the same schema names and field names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from connect.runtime.standalone import running
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.postgres.slots import drop_slot
from tests.support.kafka import read_topic

MODES = [
    {"schema.name.adjustment.mode": "avro", "field.name.adjustment.mode": "avro_unicode"},
    {"schema.name.adjustment.mode": "avro_unicode", "field.name.adjustment.mode": "avro"},
]


@pytest.fixture(params=MODES, ids=["schema avro, field avro_unicode", "schema avro_unicode, field avro"])
def modes(request) -> dict[str, str]:
    return request.param


@pytest.fixture
def table(pg, unique_name) -> str:
    """A table whose column names Avro does not allow (the pg fixture drops it at the end)."""
    pg.execute(
        f'CREATE TABLE "{unique_name}" ("order-id" int PRIMARY KEY, "first-name" text, "1st" int, '
        '"größe" numeric(5,1), "snake_case" text, "a.b" text, "€uro" text, "CamelCase" text)'
    )
    pg.execute(f"""INSERT INTO "{unique_name}" VALUES (1, 'Ada', 1, 2.5, 's', 'ab', 'eur', 'camel')""")
    return unique_name


@pytest.fixture
def debezium(services, pg, table, modes) -> Iterator[str]:
    """Debezium on the anchor worker, its topic prefix `<table>-dbz`, with its own slot and publication; removed
    (with them) at the end. Yields the topic it writes."""
    name = f"{table}-dbz"
    config = {
        **postgres_source(services, f"{table}_dbz", table, **modes),
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name": "pgoutput",
        "topic.prefix": name,
    }
    config.pop("poll.interval.ms")
    response = httpx.post(f"{services.connect_url}/connectors", json={"name": name, "config": config}, timeout=30)
    assert response.status_code == 201, response.text
    yield f"{name}.public.{table}"
    httpx.delete(f"{services.connect_url}/connectors/{name}", timeout=30)
    drop_slot(pg, f"{table}_dbz", timeout=30)
    pg.execute(f'DROP PUBLICATION IF EXISTS "{table}_dbz"')


def names(message: bytes) -> dict[str, Any]:
    """Schema names (the adjusted topic prefix taken out) and field names of one JSON change event."""
    event = orjson.loads(message)
    schema = event["schema"]
    after = next(f for f in schema["fields"] if f["field"] == "after")
    prefix = schema["name"].split(".")[0]  # the topic prefix as adjusted: it holds no dot
    return {
        "prefix": prefix,
        "envelope": schema["name"].removeprefix(prefix),
        "value": after["name"].removeprefix(prefix),
        "fields": [f["field"] for f in after["fields"]],
        "row": list(event["payload"]["after"]),
    }


def test_adjusted_names_are_debeziums(services, pg, herder, table, debezium, modes):
    ours = f"{table}-ours"
    herder.put_connector_config(
        ours, postgres_source(services, table, table, **modes, **{"topic.prefix": ours}), allow_replace=False
    )
    herder.wait_for(ours, running)
    [theirs_event] = read_topic(services.kafka_bootstrap, debezium, lambda ms: len(ms) >= 1, timeout=90)
    [our_event] = read_topic(services.kafka_bootstrap, f"{ours}.public.{table}", lambda ms: len(ms) >= 1)
    expected, got = names(theirs_event.value()), names(our_event.value())
    assert "-" not in expected["prefix"] and "-" not in got["prefix"]
    assert {k: v for k, v in got.items() if k != "prefix"} == {k: v for k, v in expected.items() if k != "prefix"}
    assert "1st" not in expected["fields"] and "größe" not in expected["fields"]  # they were adjusted
    their_key, our_key = orjson.loads(theirs_event.key())["schema"], orjson.loads(our_event.key())["schema"]
    assert our_key["fields"] == their_key["fields"]
    assert our_key["name"].removeprefix(got["prefix"]) == their_key["name"].removeprefix(expected["prefix"])
