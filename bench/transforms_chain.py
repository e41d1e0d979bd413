"""Throughput of a chain of five common transforms on Debezium change events, against an empty chain.

    python bench/transforms_chain.py [--records 100000] [--rounds 5]

Records are what the Postgres source emits for a 10-column table (its own Key/Value/Envelope schemas and
source block): 90% inserts and updates, 5% deletes each followed by its tombstone. The chain is built by
the runtime from a connector config, as a worker builds it:

    ExtractNewRecordState (rewrite, add.fields=op,table,lsn,source.ts_ms) -> ReplaceField$Value (exclude,
    renames) -> InsertField$Value (topic, static) -> RegexRouter -> Cast$Value (two fields)

The limit is the same loop through an empty chain (`TransformationChain(())`): what no transform can beat.
Figures are records per CPU-second, the median of the rounds; each round runs the limit and the chain on
the same records back to back. Each step is also timed alone on its own input. Peak RSS is the process's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connect.data import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    SourceRecord,
)
from connect.data.logical import decimal_schema, timestamp_schema
from connect.plugins import default_registry
from connect.runtime.connector_config import chain_config
from connect.runtime.errors.operator import ErrorConfig, RetryWithToleranceOperator
from connect.runtime.transform_chain import TransformationChain, build_chain
from connectors.postgres.schema import TableSchemas

TOPIC = "dbserver1.public.customers"
CHAIN = {
    "transforms": "unwrap,fields,meta,route,cast",
    "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
    "transforms.unwrap.delete.tombstone.handling.mode": "rewrite",
    "transforms.unwrap.add.fields": "op,table,lsn,source.ts_ms",
    "transforms.fields.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "transforms.fields.exclude": "note",
    "transforms.fields.renames": "name:full_name,email:contact",
    "transforms.meta.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.meta.topic.field": "source_topic",
    "transforms.meta.static.field": "origin",
    "transforms.meta.static.value": "pg",
    "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
    "transforms.route.regex": "[^.]+[.][^.]+[.](.*)",
    "transforms.route.replacement": "crm_$1",
    "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
    "transforms.cast.spec": "age:int64,active:string",
}


def table() -> TableSchemas:
    columns = [
        ("id", INT64_SCHEMA),
        ("name", STRING_SCHEMA),
        ("email", OPTIONAL_STRING_SCHEMA),
        ("age", INT32_SCHEMA),
        ("balance", decimal_schema(2, optional=True)),
        ("active", BOOLEAN_SCHEMA),
        ("created", timestamp_schema(optional=True)),
        ("score", FLOAT32_SCHEMA),
        ("tags", OPTIONAL_STRING_SCHEMA),
        ("note", OPTIONAL_STRING_SCHEMA),
    ]
    return TableSchemas(TOPIC, columns, ["id"])


def make_records(n: int) -> list[SourceRecord]:
    schemas = table()
    source = {
        "version": "3.0.0.Final",
        "connector": "postgresql",
        "name": "dbserver1",
        "ts_ms": 0,
        "snapshot": "false",
        "db": "inventory",
        "sequence": None,
        "ts_us": None,
        "ts_ns": None,
        "schema": "public",
        "table": "customers",
        "txId": None,
        "lsn": None,
        "xmin": None,
        "origin": None,
        "origin_lsn": None,
    }
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    out: list[SourceRecord] = []
    i = 0
    while len(out) < n:
        row = {
            "id": i,
            "name": f"customer {i}",
            "email": f"c{i}@example.com" if i % 3 else None,
            "age": 20 + i % 60,
            "balance": Decimal(i) / 100,
            "active": i % 2 == 0,
            "created": base + dt.timedelta(seconds=i),
            "score": (i % 100) / 4,
            "tags": "a,b" if i % 5 == 0 else None,
            "note": None,
        }
        op = "d" if i % 20 == 0 else "u" if i % 2 else "c"
        src = dict(source, ts_ms=1_704_067_200_000 + i, txId=500 + i, lsn=10_000 + i)
        value = {
            "before": row if op != "c" else None,
            "after": None if op == "d" else row,
            "source": src,
            "transaction": None,
            "op": op,
            "ts_ms": 1_704_067_200_000 + i,
            "ts_us": None,
            "ts_ns": None,
        }
        key = {"id": i}
        out.append(
            SourceRecord(
                {"server": "dbserver1"}, {"lsn": 10_000 + i}, TOPIC, None, schemas.key, key, schemas.envelope, value
            )
        )
        if op == "d":
            out.append(
                SourceRecord({"server": "dbserver1"}, {"lsn": 10_000 + i}, TOPIC, None, schemas.key, key, None, None)
            )
        i += 1
    return out[:n]


def per_cpu_second(fn: Callable[[list[Any]], Any], items: list[Any]) -> float:
    gc.collect()
    start = time.process_time()
    fn(items)
    return len(items) / max(time.process_time() - start, 1e-9)


def run(chain: TransformationChain) -> Callable[[list[Any]], int]:
    def loop(items: list[Any]) -> int:
        apply = chain.apply
        kept = 0
        for record in items:
            if apply(record) is not None:
                kept += 1
        return kept

    return loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    records = make_records(args.records)
    # With the error operator a worker gives every chain (errors.tolerance=none by default).
    chain = build_chain(default_registry(), chain_config(CHAIN), RetryWithToleranceOperator(ErrorConfig.parse(CHAIN)))
    empty = TransformationChain(())
    kept = run(chain)(records)  # warm-up: schemas derived, regexes compiled

    limits, figures, ratios = [], [], []
    for _ in range(args.rounds):
        limit = per_cpu_second(run(empty), records)
        figure = per_cpu_second(run(chain), records)
        limits.append(limit)
        figures.append(figure)
        ratios.append(figure / limit)

    print(
        f"records: {len(records):,} Debezium change events ({kept:,} kept after the chain), "
        f"{args.rounds} rounds, medians per CPU-second"
    )
    print(f"empty chain (the limit): {statistics.median(limits):12,.0f} records/s")
    print(f"five-transform chain:    {statistics.median(figures):12,.0f} records/s")
    print(f"ratio chain/limit:       {statistics.median(ratios):12.4f}")
    stage_inputs = records
    for step in chain.steps:
        single = TransformationChain((step,))
        rate = per_cpu_second(run(single), stage_inputs)
        print(f"  {type(step.transform).__name__:<22} alone: {rate:12,.0f} records/s")
        stage_inputs = [out for r in stage_inputs if (out := step.transform.apply(r)) is not None]
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
