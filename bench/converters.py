"""JsonConverter throughput on Debezium-like change events, against bare orjson on the same payloads.

    python bench/converters.py [--records 100000] [--rounds 3]

Each record is a Debezium envelope (before/after rows of a 10-column table, a source block
whose `snapshot` field has a default, op, ts_ms) with its Connect schema. The limit is
`orjson.dumps` / `orjson.loads` of the bare payloads: no schema, no envelope, no checks, the
least any JSON converter must do. Figures are medians of records per CPU-second over chunks of 20,000 records on
which the limit and the converter alternate (so a busy machine skews both alike), and the
ratio is the median of those pairs; peak RSS is the process's.
A second value schema adds a Decimal and a Timestamp column, which the converter has to walk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import statistics
import time
from collections import deque
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
CHUNK = 20_000  # ~0.1 s of work: CPU-time accounting on a VM can be coarse


def row_schema(logical: bool) -> Schema:
    fields = [
        ("id", INT64_SCHEMA),
        ("name", STRING_SCHEMA),
        ("email", OPTIONAL_STRING_SCHEMA),
        ("age", INT32_SCHEMA),
        ("balance", FLOAT64_SCHEMA),
        ("active", BOOLEAN_SCHEMA),
        ("created", Schema(Type.INT64, name="io.debezium.time.MicroTimestamp", version=1)),
        ("score", FLOAT32_SCHEMA),
        ("tags", OPTIONAL_STRING_SCHEMA),
        ("note", OPTIONAL_STRING_SCHEMA),
    ]
    if logical:
        fields[4] = ("balance", decimal_schema(2))
        fields[6] = ("created", timestamp_schema())
    return Schema.struct(f"{TOPIC}.Value", fields, optional=True)


def envelope_schema(row: Schema) -> Schema:
    source = Schema.struct(
        "io.debezium.connector.postgresql.Source",
        [
            ("version", STRING_SCHEMA),
            ("connector", STRING_SCHEMA),
            ("name", STRING_SCHEMA),
            ("ts_ms", INT64_SCHEMA),
            (
                "snapshot",
                Schema(
                    Type.STRING,
                    optional=True,
                    default="false",
                    name="io.debezium.data.Enum",
                    version=1,
                    parameters={"allowed": "true,last,false,incremental"},
                ),
            ),
            ("db", STRING_SCHEMA),
            ("schema", STRING_SCHEMA),
            ("table", STRING_SCHEMA),
            ("txId", OPTIONAL_INT64_SCHEMA),
            ("lsn", OPTIONAL_INT64_SCHEMA),
        ],
    )
    return Schema.struct(
        f"{TOPIC}.Envelope",
        [("before", row), ("after", row), ("source", source), ("op", STRING_SCHEMA), ("ts_ms", OPTIONAL_INT64_SCHEMA)],
        version=1,
    )


def records(n: int, logical: bool) -> list[dict[str, Any]]:
    out = []
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for i in range(n):
        row = {
            "id": i,
            "name": f"customer {i}",
            "email": f"c{i}@example.com" if i % 3 else None,
            "age": 20 + i % 60,
            "balance": Decimal(i) / 100 if logical else i / 100,
            "active": i % 2 == 0,
            "created": base + dt.timedelta(seconds=i) if logical else 1_704_067_200_000_000 + i,
            "score": (i % 100) / 4,
            "tags": "a,b" if i % 5 == 0 else None,
            "note": None,
        }
        out.append(
            {
                "before": None,
                "after": row,
                "source": {
                    "version": "3.0.0.Final",
                    "connector": "postgresql",
                    "name": "dbserver1",
                    "ts_ms": 1_704_067_200_000 + i,
                    "snapshot": "false",
                    "db": "inventory",
                    "schema": "public",
                    "table": "customers",
                    "txId": 500 + i,
                    "lsn": 24_000_000 + i * 64,
                },
                "op": "c",
                "ts_ms": 1_704_067_200_100 + i,
            }
        )
    return out


def paired_rates(
    rounds: int, items: list[Any], limit: Callable[[Any], object], run: Callable[[Any], object]
) -> tuple[float, float, float]:
    """Median records per CPU-second of `limit` and `run`, and the median of their ratios, timed chunk by chunk.

    The limit and the candidate alternate on chunks of CHUNK records, so a busy moment of a
    shared machine slows both sides of a pair alike; CPU time rather than wall time leaves out
    the time other processes hold the core.
    """
    limit_rates, run_rates, ratios = [], [], []
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    gc.collect()
    gc.disable()  # a collection pass over the records held here would be counted against whoever triggers it
    try:
        for _ in range(rounds):
            for chunk in chunks:
                started = time.process_time()
                limit(chunk)
                middle = time.process_time()
                run(chunk)
                ended = time.process_time()
                if middle > started and ended > middle:
                    limit_rates.append(len(chunk) / (middle - started))
                    run_rates.append(len(chunk) / (ended - middle))
                    ratios.append((middle - started) / (ended - middle))
    finally:
        gc.enable()
    return statistics.median(limit_rates), statistics.median(run_rates), statistics.median(ratios)


def converter(schemas: bool) -> JsonConverter:
    c = JsonConverter()
    c.configure({"schemas.enable": str(schemas).lower()}, False)
    return c


def measure(label: str, schema: Schema, values: list[Any], bare_values: list[Any], rounds: int) -> None:
    """Write and read rates of both converter modes beside bare orjson on `bare_values`."""
    dumps, loads = orjson.dumps, orjson.loads
    for name, conv in (("schemas.enable=false", converter(False)), ("schemas.enable=true", converter(True))):
        data = [conv.from_connect(TOPIC, schema, v) for v in values]
        pairs = list(zip(bare_values, values, strict=True))
        write = paired_rates(
            rounds,
            pairs,
            lambda c: deque((dumps(b) for b, _ in c), 0),
            lambda c, f=conv.from_connect: deque((f(TOPIC, schema, v) for _, v in c), 0),
        )
        read_pairs = list(zip([dumps(b) for b in bare_values], data, strict=True))
        read = paired_rates(
            rounds,
            read_pairs,
            lambda c: deque((loads(b) for b, _ in c), 0),
            lambda c, f=conv.to_connect: deque((f(TOPIC, d) for _, d in c), 0),
        )
        for verb, (limit, rate, ratio) in (("write", write), ("read", read)):
            print(f"{verb + ' ' + name + ', ' + label:<50}{rate:>11,.0f}{limit:>11,.0f}{ratio:>7.2f}{len(data[0]):>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n, rounds = args.records, args.rounds
    print(
        f"JsonConverter, {n} Debezium-like change events (10-column rows), {rounds} rounds; "
        "limit = bare orjson on the same payloads"
    )
    print(f"{'case (records per CPU-second)':<50}{'records/s':>11}{'limit/s':>11}{'ratio':>7}{'bytes':>7}")
    plain = records(n, False)
    data_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    measure("plain columns", envelope_schema(row_schema(False)), plain, plain, rounds)
    # The limit stays bare orjson on payloads needing no conversion: the walk is the converter's cost.
    measure("with Decimal+Timestamp", envelope_schema(row_schema(True)), records(n, True), plain, rounds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS {peak_mb:.0f} MB, of which {data_mb:.0f} MB before any conversion (the bench holds every "
        "record and its bytes in memory; each result is dropped as soon as it is made)"
    )


if __name__ == "__main__":
    main()
