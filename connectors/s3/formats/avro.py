"""AvroFormat: Avro object container files whose schema is the file's Connect schema, mapped as Confluent's
AvroData maps it (connect/converters/avro_schema.py).

The container is written here, block by block as records arrive, so a file streams to S3 instead of
being built in memory; each record is encoded with fastavro. The sync marker is derived from the object
key, so a replay writes the same bytes.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import zlib
from collections.abc import Callable
from typing import Any

import fastavro
import orjson

from connect.converters.avro_schema import to_avro_schema
from connect.converters.avro_values import avro_writer_for
from connect.converters.cache import DerivedCache
from connect.converters.plans import Plan
from connect.data import Schema, SinkRecord
from connect.errors import DataException
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats import RecordWriter, Reject
from connectors.s3.formats.views import View
from connectors.s3.uploads import ObjectUpload

MAGIC = b"Obj\x01"
SYNC_INTERVAL = 64_000  # bytes of encoded records per block, as Avro's Java writer


def _long(n: int) -> bytes:
    """Avro's zig-zag varint encoding of a long."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _bytes(data: bytes) -> bytes:
    return _long(len(data)) + data


def _codec(name: str) -> Callable[[bytes], bytes]:
    if name == "deflate":
        return lambda data: zlib.compress(data, wbits=-15)
    if name == "bzip2":
        return bz2.compress
    if name == "snappy":
        import cramjam

        return lambda data: bytes(cramjam.snappy.compress_raw(data)) + zlib.crc32(data).to_bytes(4, "big")
    if name == "zstandard":
        import zstandard

        return zstandard.ZstdCompressor().compress
    return lambda data: data


class _Schema:
    """What writing values of one Connect schema needs, derived once."""

    def __init__(self, schema: Schema, meta: bool) -> None:
        avro = to_avro_schema(schema, meta)
        try:
            self.parsed = fastavro.parse_schema(avro)
        except Exception as exc:
            raise DataException(f"Schema {schema.name or schema.type} has no Avro form: {exc}") from None
        self.text = orjson.dumps(avro)
        self.plan: Plan | None = avro_writer_for(schema, avro)


class AvroFormat:
    extension = ".avro"
    envelopes = False

    def __init__(self, config: S3SinkConfig) -> None:
        self.codec = config.avro_codec
        self.compress = _codec(self.codec)
        self._schemas: DerivedCache[Schema, _Schema] = DerivedCache(lambda s: _Schema(s, config.connect_meta), 100)

    def open(self, out: ObjectUpload, view: View, first: SinkRecord, reject: Reject) -> RecordWriter:
        schema = view.schema(first, False)
        if schema is None:
            raise DataException("AvroFormat needs records with a schema; use JsonFormat for schemaless data")
        return AvroWriter(out, view, self._schemas.get(schema), self.codec, self.compress)


class AvroWriter:
    def __init__(
        self, out: ObjectUpload, view: View, schema: _Schema, codec: str, compress: Callable[[bytes], bytes]
    ) -> None:
        self._out = out
        self._value = view.value
        self._schema_of = view.schema
        self._schema = schema
        self._compress = compress
        self._sync = hashlib.md5(out.key.encode()).digest()  # 16 bytes, the same on every replay
        self._block = io.BytesIO()
        self._count = 0
        meta = {b"avro.schema": schema.text, b"avro.codec": codec.encode()}
        header = [MAGIC, _long(len(meta))]
        header += [_bytes(k) + _bytes(v) for k, v in meta.items()]
        out.write(b"".join([*header, _long(0), self._sync]))

    def write(self, record: SinkRecord) -> None:
        if self._schema_of(record, False) is None:
            raise DataException("AvroFormat needs records with a schema; use JsonFormat for schemaless data")
        value: Any = self._value(record, False)
        plan = self._schema.plan
        block = self._block
        start = block.tell()
        try:
            datum = value if plan is None or value is None else plan(value)
            fastavro.schemaless_writer(block, self._schema.parsed, datum)
        except (ValueError, TypeError, AttributeError, KeyError, DataException) as exc:
            block.seek(start)
            block.truncate()
            raise DataException(f"Record does not fit the file's Avro schema: {exc}") from None
        self._count += 1
        if block.tell() >= SYNC_INTERVAL:
            self._flush()

    def _flush(self) -> None:
        if not self._count:
            return
        data = self._compress(self._block.getvalue())
        self._out.write(b"".join((_long(self._count), _long(len(data)), data, self._sync)))
        self._block = io.BytesIO()
        self._count = 0

    def close(self) -> None:
        self._flush()
