"""JsonConverter throughput on Debezium-like change events, against bare orjson on the same payloads.

    python bench/converters.py [--records 100000] [--rounds 3]

Each record is a Debezium envelope (before/after rows of a 10-column table, a source block
whose `snapshot` field has a default, op, ts_ms) with its Connect schema. The limit is
`orjson.dumps` / `orjson.loads` of the bare payloads: no schema, no envelope, no checks, the
least any JSON converter must do. Figures are the best of `--rounds`; peak RSS is the process's.
A second value schema adds a Decimal and a Timestamp column, which the converter has to walk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from connect.converters.json import JsonConverter
from connect.data import (
    BOOLEAN_SCHEMA,
    FLOAT32_SCHEMA,
    FLOAT64_SCHEMA,
    INT32_SCHEMA,
    INT64_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    STRING_SCHEMA,
    Schema,
    Type,
)
from connect.data.logical import decimal_schema, timestamp_schema

TOPIC = "dbserver1.public.customers"


def row_schema(logical: bool) -> Schema:
    fields = [("id", INT64_SCHEMA), ("name", STRING_SCHEMA), ("email", OPTIONAL_STRING_SCHEMA),
              ("age", INT32_SCHEMA), ("balance", FLOAT64_SCHEMA), ("active", BOOLEAN_SCHEMA),
              ("created", Schema(Type.INT64, name="io.debezium.time.MicroTimestamp", version=1)),
              ("score", FLOAT32_SCHEMA), ("tags", OPTIONAL_STRING_SCHEMA), ("note", OPTIONAL_STRING_SCHEMA)]
    if logical:
        fields[4] = ("balance", decimal_schema(2))
        fields[6] = ("created", timestamp_schema())
    return Schema.struct(f"{TOPIC}.Value", fields, optional=True)


def envelope_schema(row: Schema) -> Schema:
    source = Schema.struct("io.debezium.connector.postgresql.Source", [
        ("version", STRING_SCHEMA), ("connector", STRING_SCHEMA), ("name", STRING_SCHEMA), ("ts_ms", INT64_SCHEMA),
        ("snapshot", Schema(Type.STRING, optional=True, default="false", name="io.debezium.data.Enum", version=1,
                            parameters={"allowed": "true,last,false,incremental"})),
        ("db", STRING_SCHEMA), ("schema", STRING_SCHEMA), ("table", STRING_SCHEMA), ("txId", OPTIONAL_INT64_SCHEMA),
        ("lsn", OPTIONAL_INT64_SCHEMA)])
    return Schema.struct(f"{TOPIC}.Envelope", [("before", row), ("after", row), ("source", source),
                                               ("op", STRING_SCHEMA), ("ts_ms", OPTIONAL_INT64_SCHEMA)], version=1)


def records(n: int, logical: bool) -> list[dict[str, Any]]:
    out = []
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for i in range(n):
        row = {"id": i, "name": f"customer {i}", "email": f"c{i}@example.com" if i % 3 else None, "age": 20 + i % 60,
               "balance": Decimal(i) / 100 if logical else i / 100, "active": i % 2 == 0,
               "created": base + dt.timedelta(seconds=i) if logical else 1_704_067_200_000_000 + i,
               "score": (i % 100) / 4, "tags": "a,b" if i % 5 == 0 else None, "note": None}
        out.append({"before": None, "after": row, "source": {
            "version": "3.0.0.Final", "connector": "postgresql", "name": "dbserver1", "ts_ms": 1_704_067_200_000 + i,
            "snapshot": "false", "db": "inventory", "schema": "public", "table": "customers", "txId": 500 + i,
            "lsn": 24_000_000 + i * 64}, "op": "c", "ts_ms": 1_704_067_200_100 + i})
    return out


def best_rates(rounds: int, n: int, *runs: Callable[[], object]) -> list[float]:
    """Records/s of each run, best of `rounds`; the runs alternate so a busy moment hits them alike."""
    best = [float("inf")] * len(runs)
    gc.collect()
    gc.disable()  # a collection pass over the 100k records held here would be counted against whoever triggers it
    try:
        for _ in range(rounds):
            for i, run in enumerate(runs):
                started = time.perf_counter()
                run()
                best[i] = min(best[i], time.perf_counter() - started)
    finally:
        gc.enable()
    return [n / b for b in best]


def converter(schemas: bool) -> JsonConverter:
    c = JsonConverter()
    c.configure({"schemas.enable": str(schemas).lower()}, False)
    return c


def measure(label: str, schema: Schema, values: list[Any], bare_values: list[Any], rounds: int) -> None:
    """Write and read rates of both converter modes beside bare orjson on `bare_values`."""
    n = len(values)
    dumps, loads = orjson.dumps, orjson.loads
    bare_bytes = [dumps(v) for v in bare_values]
    for name, conv in (("schemas.enable=false", converter(False)), ("schemas.enable=true", converter(True))):
        data = [conv.from_connect(TOPIC, schema, v) for v in values]
        limit_write, write = best_rates(rounds, n, lambda: [dumps(v) for v in bare_values],
                                        lambda c=conv: [c.from_connect(TOPIC, schema, v) for v in values])
        limit_read, read = best_rates(rounds, n, lambda: [loads(x) for x in bare_bytes],
                                      lambda c=conv, d=data: [c.to_connect(TOPIC, x) for x in d])
        for verb, rate, limit in (("write", write, limit_write), ("read", read, limit_read)):
            print(f"{verb + ' ' + name + ', ' + label:<50}{rate:>11,.0f}{limit:>11,.0f}"
                  f"{rate / limit:>7.2f}{len(data[0]):>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n, rounds = args.records, args.rounds
    print(f"JsonConverter, {n} Debezium-like change events (10-column rows), best of {rounds}; "
          "limit = bare orjson on the same payloads")
    print(f"{'case':<50}{'records/s':>11}{'limit/s':>11}{'ratio':>7}{'bytes':>7}")
    plain = records(n, False)
    measure("plain columns", envelope_schema(row_schema(False)), plain, plain, rounds)
    # The limit stays bare orjson on payloads needing no conversion: the walk is the converter's cost.
    measure("with Decimal+Timestamp", envelope_schema(row_schema(True)), records(n, True), plain, rounds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB (all {n} records and their bytes held in memory at once)")


if __name__ == "__main__":
    main()
