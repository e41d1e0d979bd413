"""Formats read back with the standard tools: Avro container files with each codec (the same bytes on a
replay), Parquet of nested Debezium envelopes, gzip; records that do not fit leave the file unchanged."""

from __future__ import annotations

import gzip
import io
from typing import Any

import fastavro
import pyarrow.parquet as pq
import pytest

from connect.data import Schema, SinkRecord
from connect.data.schema import INT64_SCHEMA, OPTIONAL_STRING_SCHEMA, STRING_SCHEMA
from connect.errors import DataException
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats import format_for
from connectors.s3.formats.views import VALUE

ROW = Schema.struct("db.public.items.Value", [("id", INT64_SCHEMA), ("name", OPTIONAL_STRING_SCHEMA)], optional=True)
SOURCE = Schema.struct("io.debezium.connector.postgresql.Source", [("table", STRING_SCHEMA), ("lsn", INT64_SCHEMA)])
ENVELOPE = Schema.struct(
    "db.public.items.Envelope", [("before", ROW), ("after", ROW), ("source", SOURCE), ("op", STRING_SCHEMA)]
)


class Out:
    """What a format writes to: the object's key and its bytes."""

    def __init__(self, key: str = "topics/t/partition=0/t+0+0000000000") -> None:
        self.key = key
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


def events(n: int) -> list[SinkRecord]:
    out = []
    for i in range(n):
        before = None if i % 3 == 0 else {"id": i, "name": None}
        after = None if i % 3 == 2 else {"id": i, "name": f"item {i}"}
        op = "c" if before is None else "d" if after is None else "u"
        value = {"before": before, "after": after, "source": {"table": "items", "lsn": 100 + i}, "op": op}
        out.append(SinkRecord("t", 0, None, None, ENVELOPE, value, i))
    return out


def write(kind: str, records: list[SinkRecord], key: str = "k", **props: str) -> tuple[bytes, list[Any]]:
    config = S3SinkConfig.parse({"s3.bucket.name": "bucket", "format.class": kind, "flush.size": "1", **props})
    fmt, out, rejected = format_for(config.format, config), Out(key), []
    writer = fmt.open(out, VALUE, records[0], lambda r, e: rejected.append(r.kafka_offset))  # type: ignore[arg-type]
    for record in records:
        try:
            writer.write(record)
        except DataException:
            rejected.append(record.kafka_offset)
    writer.close()
    return bytes(out.data), rejected


@pytest.mark.parametrize("codec", ["null", "deflate", "bzip2"])
def test_avro_container_files_read_back_with_fastavro_and_are_the_same_bytes_on_a_replay(codec):
    records = events(500)  # several blocks
    data, rejected = write("AvroFormat", records, **{"avro.codec": codec})
    assert rejected == []
    reader = fastavro.reader(io.BytesIO(data))
    assert reader.codec == codec
    assert list(reader) == [r.value for r in records]
    assert write("AvroFormat", records, **{"avro.codec": codec})[0] == data


def test_a_record_that_does_not_fit_the_avro_schema_leaves_the_file_as_it_was():
    records = events(3)
    bad = SinkRecord("t", 0, None, None, ENVELOPE, {**records[1].value, "op": 7}, 1)
    data, rejected = write("AvroFormat", [records[0], bad, records[2]])
    assert rejected == [1]
    assert list(fastavro.reader(io.BytesIO(data))) == [records[0].value, records[2].value]


@pytest.mark.parametrize("codec", ["none", "snappy", "gzip", "zstd"])
def test_parquet_holds_nested_debezium_envelopes(codec):
    records = events(2500)  # several chunks, one row group
    data, rejected = write("ParquetFormat", records, **{"parquet.codec": codec})
    table = pq.read_table(io.BytesIO(data))
    assert rejected == []
    assert table.to_pylist() == [r.value for r in records]
    assert pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).column(0).compression == codec.upper().replace(
        "NONE", "UNCOMPRESSED"
    )


def test_parquet_rejects_only_the_rows_arrow_cannot_take():
    records = events(5)
    wrong_type = SinkRecord("t", 0, None, None, ENVELOPE, {**records[1].value, "op": {"not": "a string"}}, 1)
    missing = SinkRecord("t", 0, None, None, ENVELOPE, {**records[3].value, "source": None}, 3)
    data, rejected = write("ParquetFormat", [records[0], wrong_type, records[2], missing, records[4]])
    assert sorted(rejected) == [1, 3]
    assert [row["source"]["lsn"] for row in pq.read_table(io.BytesIO(data)).to_pylist()] == [100, 102, 104]


def test_gzip_json_is_one_gzip_stream():
    records = [SinkRecord("t", 0, None, None, None, {"n": i}, i) for i in range(1000)]
    data, _ = write("JsonFormat", records, **{"s3.compression.type": "gzip", "s3.compression.level": "9"})
    assert gzip.decompress(data) == b"".join(b'{"n":%d}\n' % i for i in range(1000))
