"""Differential test: our Postgres source beside the real Debezium 3.7 (Kafka Connect 4.1.1) on a generated workload.

Both capture the same schema of generated tables (every type family, every operation, TOAST, replica
identities, keyless tables, multi-table transactions, logical messages), first by snapshot, then by
streaming. Connectors run in pairs (ours and the anchor's, same config): one pair per converter mode
(JSON with and without schemas) and one with the non-default value modes. Every record's key, value and
headers are compared field by field after normalising run-specific values; the figure per type family is
printed, and the test passes only at 100%.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from connect.runtime.standalone import StandaloneHerder
from tests.fixtures.pipeline import postgres_source
from tests.integration.connectors.postgres.slots import drop_slot
from tests.support.anchor import AnchorWorker
from tests.support.cdc_diff import Comparison, read_records, wait_for_records, wait_for_topic
from tests.support.kafka import wait_until
from tests.support.pg_workload import Workload

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SEED = int(os.environ.get("SLUICE_WORKLOAD_SEED", "20261203"))
SCALE = int(os.environ.get("SLUICE_WORKLOAD_SCALE", "1"))  # more rows and transactions for a deeper run


@dataclass(frozen=True)
class Pair:
    tag: str
    schemas: bool
    options: dict[str, str]


def pairs(schema: str) -> list[Pair]:
    """Defaults in both converter modes, then the non-default value modes and column mappers."""
    text = f"{schema}.f_text"
    return [
        Pair("s", True, {"provide.transaction.metadata": "true", "schema.include.list": schema}),
        Pair("n", False, {"table.include.list": f"{schema}\\..*"}),
        Pair(
            "m",
            True,
            {
                "schema.include.list": schema,
                "decimal.handling.mode": "string",
                "time.precision.mode": "connect",
                "interval.handling.mode": "string",
                "binary.handling.mode": "base64",
                "hstore.handling.mode": "map",
                "include.unknown.datatypes": "true",
                "money.fraction.digits": "3",
                "tombstones.on.delete": "false",
                "provide.transaction.metadata": "true",
                "topic.transaction": "txs",
                "extended.headers.enabled": "false",
                "skip.messages.without.change": "true",
                "column.propagate.source.type": f"{schema}\\.f_(?!text).*",
                "column.truncate.to.3.chars": f"{text}.c22_text",
                "column.mask.with.4.chars": f"{text}.c23_varchar_40",
                "column.mask.hash.SHA-256.with.salt.pepper": f"{text}.c24_character_varying",
                "column.mask.hash.v2.MD5.with.salt.x": f"{text}.c25_char_5",
                "message.key.columns": f"{schema}.ops_keyless:id;{schema}.ops_keyless_full:id,v",
                "snapshot.select.statement.overrides": f"{schema}.ops_pk",
                f"snapshot.select.statement.overrides.{schema}.ops_pk": (
                    f"SELECT * FROM {schema}.ops_pk WHERE id % 2 = 0"
                ),
            },
        ),
        Pair(
            "x",
            False,
            {
                "table.include.list": f"{schema}\\..*",
                "decimal.handling.mode": "double",
                "time.precision.mode": "adaptive_time_microseconds",
                "binary.handling.mode": "base64-url-safe",
                "event.converting.failure.handling.mode": "skip",
            },
        ),
    ]


def connector_config(services, name: str, pair: Pair) -> dict[str, str]:
    """One side's config (the same keys for both): Debezium's class name, slot, publication and prefix `name`."""
    converter = "org.apache.kafka.connect.json.JsonConverter"
    config = postgres_source(services, name, "", **pair.options)
    if "table.include.list" not in pair.options:
        del config["table.include.list"]
    return {
        **config,
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name": "pgoutput",
        "skipped.operations": "none",
        # the shared database may carry other tests' non-transactional messages, which reach every slot
        "message.prefix.include.list": "prefix-.*",
        "key.converter": converter,
        "value.converter": converter,
        "key.converter.schemas.enable": str(pair.schemas).lower(),
        "value.converter.schemas.enable": str(pair.schemas).lower(),
    }


def dump(path: str, tag: str, ours: dict[str, list[Any]], theirs: dict[str, list[Any]]) -> None:
    with open(f"{path}.{tag}.json", "w") as out:
        json.dump({"ours": ours, "theirs": theirs}, out, default=lambda r: r.__dict__, indent=1)


@pytest.fixture
def database(services, unique_name) -> Iterator[psycopg.Connection]:
    with psycopg.connect(services.pg_dsn, autocommit=True) as conn:
        yield conn
        names = [
            r[0]
            for r in conn.execute(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s", (unique_name + "%",)
            ).fetchall()
        ]
        for name in names:
            drop_slot(conn, name)
        for (pub,) in conn.execute("SELECT pubname FROM pg_publication WHERE pubname LIKE %s", (unique_name + "%",)):
            conn.execute(f'DROP PUBLICATION IF EXISTS "{pub}"')
        conn.execute(f"DROP SCHEMA IF EXISTS {unique_name} CASCADE")


def test_events_equal_debeziums_field_by_field(services, unique_name, database, tmp_path):
    setting_up = time.monotonic()
    schema = unique_name
    workload = Workload(schema, SEED, rows_per_table=20 * SCALE, transactions=200 * SCALE)
    snapshot = workload.snapshot()
    for stmt in workload.setup() + snapshot:
        database.execute(stmt)
    overridden = database.execute(f"SELECT count(*) FROM {schema}.ops_pk WHERE id % 2 = 1").fetchone()[0]
    anchor = AnchorWorker(services.connect_url)
    herder = StandaloneHerder(
        {
            "bootstrap.servers": services.kafka_bootstrap,
            "key.converter": "JsonConverter",
            "value.converter": "JsonConverter",
            "offset.storage.file.filename": str(tmp_path / "offsets.json"),
            "offset.flush.interval.ms": "500",
            "listeners": "http://127.0.0.1:0",
        }
    )
    herder.start()
    runs = pairs(schema)
    began = time.monotonic()
    print(f"\nset up in {began - setting_up:.1f}s")
    try:
        for pair in runs:
            anchor.create(f"{unique_name}_d{pair.tag}", connector_config(services, f"{unique_name}_d{pair.tag}", pair))
            herder.put_connector_config(
                f"{unique_name}_o{pair.tag}",
                connector_config(services, f"{unique_name}_o{pair.tag}", pair),
                allow_replace=False,
            )
        slots = {f"{unique_name}_{side}{p.tag}" for p in runs for side in "do"}

        def all_slots() -> bool:
            for pair in runs:
                trace = anchor.failed_trace(f"{unique_name}_d{pair.tag}")
                assert trace is None, f"the anchor failed:\n{trace[:3000]}"
                status = herder.connector_status(f"{unique_name}_o{pair.tag}")
                failed = [t for t in status.tasks if t.state == "FAILED"]
                assert not failed, f"our task failed:\n{failed[0].trace}"
            return slots <= {r[0] for r in database.execute("SELECT slot_name FROM pg_replication_slots")}

        wait_until(all_slots, timeout=120, message="every connector's replication slot")
        for pair in runs:
            anchor.wait_running(f"{unique_name}_d{pair.tag}")
            expected = len(snapshot) - (overridden if pair.tag == "m" else 0)
            for side in "do":  # a TRUNCATE while a table is read would empty it for that snapshot
                wait_for_records(services.kafka_bootstrap, f"{unique_name}_{side}{pair.tag}", expected)
        started = time.monotonic()
        for transaction in workload.streaming():
            with database.transaction():
                for stmt in transaction:
                    database.execute(stmt)
        for pair in runs:
            for side in "do":
                wait_for_topic(services.kafka_bootstrap, f"{unique_name}_{side}{pair.tag}.{schema}.zz_end")
        streamed = time.monotonic() - started
        print(f"\nworkload seed {SEED}: snapshots in {started - began:.1f}s, streamed in {streamed:.1f}s")
        failures = []
        for pair in runs:
            trace = anchor.failed_trace(f"{unique_name}_d{pair.tag}")
            assert trace is None, f"the anchor failed:\n{trace[:3000]}"
            read_at = time.monotonic()
            ours = read_records(services.kafka_bootstrap, f"{unique_name}_o{pair.tag}")
            theirs = read_records(services.kafka_bootstrap, f"{unique_name}_d{pair.tag}")
            print(f"read pair {pair.tag} in {time.monotonic() - read_at:.1f}s")
            if os.environ.get("SLUICE_CONFORMANCE_DUMP"):  # for looking at the records of a failed run
                dump(os.environ["SLUICE_CONFORMANCE_DUMP"], pair.tag, ours, theirs)
            comparison = Comparison(workload.column_families(), workload.float32_columns())
            compare_at = time.monotonic()
            comparison.compare_topics(ours, theirs)
            print(f"compared pair {pair.tag} in {time.monotonic() - compare_at:.1f}s")
            print(f"\npair {pair.tag} (schemas.enable={pair.schemas}, {pair.options}):\n{comparison.report()}")
            if comparison.mismatches:
                failures.append(
                    f"pair {pair.tag}: {len(comparison.mismatches)} mismatches\n{comparison.mismatch_report()}"
                )
        assert not failures, "\n\n".join(failures)
    finally:
        stopping = time.monotonic()
        anchor.close()
        herder.stop()
        print(f"stopped the connectors in {time.monotonic() - stopping:.1f}s")
