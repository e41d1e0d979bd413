"""The outbox connector's keys, and how they expand into the Postgres source's and the EventRouter's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from connect.config import ConfigDef, Importance, NonEmptyString, Range, Type
from connect.errors import ConfigException
from connectors.postgres.config import CONFIG_DEF as POSTGRES_DEF
from connectors.postgres.config import PostgresConfig
from transforms.outbox_event_router import CONFIG_DEF as ROUTER_DEF

OUTBOX = "Outbox"

#: outbox.column.* → the EventRouter key it sets (the column keys win over the router keys when both are set).
COLUMN_KEYS = {
    "outbox.column.id": "table.field.event.id",
    "outbox.column.key": "table.field.event.key",
    "outbox.column.type": "table.field.event.type",
    "outbox.column.payload": "table.field.event.payload",
    "outbox.column.timestamp": "table.field.event.timestamp",
    "outbox.column.route": "route.by.field",
}

#: Postgres keys the connector derives from `outbox.table` (not settable).
DERIVED = ("table.include.list", "table.exclude.list", "snapshot.include.collection.list")

#: Defaults that differ from the Postgres source's and the router's, for the outbox case.
DEFAULTS = {
    "slot.name": "sluice_outbox",
    "publication.name": "sluice_outbox",
    "publication.autocreate.mode": "filtered",  # publish the outbox table only
    "skipped.operations": "d,t",  # deletes (pruning, delete-after-insert) carry no event: not even decoded to records
    "tombstones.on.delete": False,
    "table.expand.json.payload": True,  # outbox payloads are JSON documents (jsonb): send them as such
}


def _table_name(name: str, value: Any) -> None:
    if value is not None and not re.fullmatch(r"[^.\s]+\.[^.\s]+", str(value)):
        raise ConfigException(name, value, "Expected schema.table, e.g. public.outbox")


OWN_DEF = (
    ConfigDef()
    .define(
        "outbox.table",
        Type.STRING,
        "public.outbox",
        Importance.HIGH,
        "The outbox table, as `schema.table`: the only table captured.",
        validator=_table_name,
        group=OUTBOX,
    )
    .define(
        "outbox.column.id",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Event id column (sent in the `id` header); sets `table.field.event.id` (default `id`).",
        group=OUTBOX,
    )
    .define(
        "outbox.column.key",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Aggregate id column (the Kafka key); sets `table.field.event.key` (default `aggregateid`).",
        group=OUTBOX,
    )
    .define(
        "outbox.column.type",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Event type column; sets `table.field.event.type` (default `type`).",
        group=OUTBOX,
    )
    .define(
        "outbox.column.payload",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Payload column (the Kafka value); sets `table.field.event.payload` (default `payload`).",
        group=OUTBOX,
    )
    .define(
        "outbox.column.timestamp",
        Type.STRING,
        None,
        Importance.LOW,
        "Column giving the Kafka timestamp; sets `table.field.event.timestamp` (default: the event time).",
        group=OUTBOX,
    )
    .define(
        "outbox.column.route",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Column naming the topic (`${routedByValue}`); sets `route.by.field` (default `aggregatetype`).",
        group=OUTBOX,
    )
    .define(
        "outbox.column.idempotency.key",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Column carried as a header of the same name (e.g. `idempotency_key`), for consumers that dedupe on it.",
        validator=NonEmptyString,
        group=OUTBOX,
    )
    .define(
        "outbox.prune.enabled",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "Delete outbox rows once their events are acknowledged by Kafka and their offsets committed; a row "
        "that was not published (e.g. skipped as malformed) is never deleted.",
        group=OUTBOX,
    )
    .define(
        "outbox.prune.batch.size",
        Type.INT,
        1000,
        Importance.LOW,
        "Most rows deleted by one DELETE statement (one short transaction each).",
        validator=Range.at_least(1),
        group=OUTBOX,
    )
    .define(
        "outbox.prune.interval.ms",
        Type.INT,
        1000,
        Importance.LOW,
        "Least time between two pruning rounds (each runs after an offset commit).",
        validator=Range.at_least(0),
        group=OUTBOX,
    )
)


def _with_defaults(definition: ConfigDef, skip: tuple[str, ...] = ()) -> ConfigDef:
    return ConfigDef(
        replace(k, default=DEFAULTS[k.name]) if k.name in DEFAULTS else k
        for k in definition.keys.values()
        if k.name not in skip
    )


CONFIG_DEF = OWN_DEF.merge(_with_defaults(ROUTER_DEF)).merge(_with_defaults(POSTGRES_DEF, DERIVED))


@dataclass(frozen=True, slots=True)
class OutboxConfig:
    """A parsed outbox config, split into what the Postgres task and the router each receive."""

    props: Mapping[str, Any]

    @staticmethod
    def parse(props: Mapping[str, Any]) -> OutboxConfig:
        for key in DERIVED:
            if props.get(key):
                raise ConfigException(
                    key, props[key], "The outbox connector captures `outbox.table` only; set that instead"
                )
        return OutboxConfig(CONFIG_DEF.parse(props))

    @property
    def table(self) -> tuple[str, str]:
        schema, table = str(self.props["outbox.table"]).split(".", 1)
        return schema, table

    @property
    def id_column(self) -> str:
        return self.router_props()["table.field.event.id"]

    @property
    def prune(self) -> bool:
        return bool(self.props["outbox.prune.enabled"])

    def postgres_props(self) -> dict[str, Any]:
        """The Postgres source's config: every non-outbox key, captured tables = the outbox table."""
        out = {k: v for k, v in self.props.items() if k not in OWN_DEF and k not in ROUTER_DEF and v is not None}
        schema, table = self.table
        out["table.include.list"] = [f"{re.escape(schema)}\\.{re.escape(table)}"]
        return out

    def router_props(self) -> dict[str, Any]:
        out = {k: self.props[k] for k in ROUTER_DEF.keys if self.props.get(k) is not None}
        for key, router_key in COLUMN_KEYS.items():
            if self.props.get(key):
                out[router_key] = self.props[key]
        idempotency = self.props.get("outbox.column.idempotency.key")
        if idempotency:
            out["table.fields.additional.placement"] = [
                *out.get("table.fields.additional.placement", []),
                f"{idempotency}:header",
            ]
        return out

    def postgres(self) -> PostgresConfig:
        return PostgresConfig.parse(self.postgres_props())
