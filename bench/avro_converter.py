"""AvroConverter throughput on Debezium-like change events, against fastavro's schemaless writer and reader.

    python bench/avro_converter.py [--records 100000] [--rounds 3] [--registry URL]

The records are bench/converters.py's Debezium envelopes (10-column rows, a source block, op, ts_ms),
once with plain columns and once with a Decimal and a Timestamp. The limit is fastavro on the same
records with the same parsed schema, in the same run: `schemaless_writer` into a BytesIO for writing,
`schemaless_reader` of the Avro body for reading: no Connect schema, no wire header, no registry, the
least any Avro converter must do. The converter writes Connect data to Confluent's wire format and
reads it back to Connect data, with a real Schema Registry (scripts/services; its subjects are deleted
at the end); the registry is called once per schema, never per record. Figures are medians of records
per CPU-second over chunks on which the limit and the converter alternate, as in bench/converters.py.
"""

from __future__ import annotations

import argparse
import io
import os
import uuid
from collections import deque
from typing import Any

import fastavro
import httpx
from _measure import peak_rss_mb
from converters import envelope_schema, paired_rates, records, row_schema

from connect.converters.avro import AvroConverter
from connect.converters.avro_schema import to_avro_schema
from connect.data import Schema

REGISTRY = os.environ.get("SLUICE_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7")


def measure(label: str, registry: str, topic: str, schema: Schema, values: list[Any], rounds: int) -> None:
    converter = AvroConverter()
    converter.configure({"schema.registry.url": registry}, False)
    parsed = fastavro.parse_schema(to_avro_schema(schema))
    write_one, read_one = fastavro.schemaless_writer, fastavro.schemaless_reader
    BytesIO = io.BytesIO

    def bare_write(chunk: list[Any]) -> None:
        for value in chunk:
            out = BytesIO()
            write_one(out, parsed, value)
            out.getvalue()

    data = [converter.from_connect(topic, schema, v) for v in values]
    bodies = [d[5:] for d in data]
    assert fastavro.schemaless_reader(io.BytesIO(bodies[0]), parsed, None) == values[0]
    write = paired_rates(
        rounds, values, bare_write, lambda c, f=converter.from_connect: deque((f(topic, schema, v) for v in c), 0)
    )
    read = paired_rates(
        rounds,
        list(zip(bodies, data, strict=True)),
        lambda c: deque((read_one(BytesIO(b), parsed, None) for b, _ in c), 0),
        lambda c, f=converter.to_connect: deque((f(topic, d) for _, d in c), 0),
    )
    for verb, (limit, rate, ratio) in (("Connect -> Avro", write), ("Avro -> Connect", read)):
        print(f"{verb + ', ' + label:<40}{rate:>11,.0f}{limit:>11,.0f}{ratio:>7.2f}{len(data[0]):>7}")
    converter.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--registry", default=REGISTRY, help="Confluent-compatible Schema Registry URL")
    args = parser.parse_args()
    topic = f"bench_avro_{uuid.uuid4().hex[:8]}"
    print(
        f"AvroConverter, {args.records} Debezium-like change events (10-column rows), {args.rounds} rounds; "
        "limit = fastavro's schemaless writer/reader on the same records and schema"
    )
    print(f"{'case (records per CPU-second)':<40}{'records/s':>11}{'limit/s':>11}{'ratio':>7}{'bytes':>7}")
    try:
        for label, logical in (("plain columns", False), ("with Decimal+Timestamp", True)):
            values = records(args.records, logical)
            measure(label, args.registry, topic, envelope_schema(row_schema(logical)), values, args.rounds)
    finally:
        with httpx.Client(base_url=args.registry, timeout=10) as client:
            client.delete(f"/subjects/{topic}-value")
            client.delete(f"/subjects/{topic}-value", params={"permanent": "true"})
    print(f"peak RSS {peak_rss_mb():.0f} MB (the bench holds every record and its bytes in memory)")


if __name__ == "__main__":
    main()
