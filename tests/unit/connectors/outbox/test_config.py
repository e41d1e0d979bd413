"""The outbox connector's config: column mapping onto the router, the captured table, outbox defaults."""

from __future__ import annotations

import pytest

from connect.errors import ConfigException
from connectors.outbox.config import OutboxConfig

BASE = {"database.hostname": "db", "database.user": "cdc", "database.dbname": "shop", "topic.prefix": "shop"}


def test_seed_table_columns_map_onto_the_router_keys():
    config = OutboxConfig.parse(
        {
            **BASE,
            "outbox.table": "sales.outbox",
            "outbox.column.key": "aggregate_id",
            "outbox.column.type": "event_type",
            "outbox.column.route": "event_type",
            "outbox.column.timestamp": "created_at",
            "outbox.column.idempotency.key": "idempotency_key",
            "table.fields.additional.placement": "tenant:header",
        }
    )
    router = config.router_props()
    assert router["table.field.event.key"] == "aggregate_id"
    assert router["table.field.event.type"] == "event_type" and router["route.by.field"] == "event_type"
    assert router["table.field.event.timestamp"] == "created_at"
    assert router["table.fields.additional.placement"] == ["tenant:header", "idempotency_key:header"]
    assert router["table.expand.json.payload"] is True, "outbox payloads are expanded by default"
    pg = config.postgres_props()
    assert pg["table.include.list"] == ["sales\\.outbox"]
    assert not any(k.startswith(("outbox.", "route.", "table.field")) for k in pg), "router keys stay out"


def test_debezium_column_names_by_default_and_router_keys_accepted_as_is():
    router = OutboxConfig.parse({**BASE, "route.by.field": "kind"}).router_props()
    assert (router["table.field.event.id"], router["table.field.event.key"], router["table.field.event.payload"]) == (
        "id",
        "aggregateid",
        "payload",
    )
    assert router["route.by.field"] == "kind"


def test_outbox_defaults_for_the_postgres_source():
    pg = OutboxConfig.parse(BASE).postgres().props
    assert pg["publication.autocreate.mode"] == "filtered" and pg["slot.name"] == "sluice_outbox"
    assert set(pg["skipped.operations"]) == {"d", "t"}


@pytest.mark.parametrize(
    ("key", "value"),
    [("table.include.list", "public.orders"), ("outbox.table", "outbox"), ("outbox.prune.batch.size", "0")],
)
def test_bad_keys_are_named(key, value):
    with pytest.raises(ConfigException, match=key.replace(".", r"\.")):
        OutboxConfig.parse({**BASE, key: value})
