"""ParquetFormat: Parquet files written by pyarrow with the file's Connect schema mapped to Arrow types.

Records are converted to Arrow a chunk at a time; converted chunks are written as a row group once they
hold about a part's worth of bytes (or when the file closes), and pyarrow's output streams into the
object's upload. A file thus holds at most one chunk of records plus one row group in memory. A record
Arrow cannot take (wrong type, null in a required field) is rejected alone when its chunk is converted.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from connect.converters.cache import DerivedCache
from connect.data import Schema, SinkRecord
from connect.errors import DataException
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats import RecordWriter, Reject
from connectors.s3.formats.arrow import arrow_schema, rows_missing_required
from connectors.s3.formats.views import View
from connectors.s3.uploads import ObjectUpload

CHUNK = 1000  # records converted to Arrow at once
_EXTENSIONS = {"none": "", "snappy": ".snappy", "gzip": ".gz", "brotli": ".br", "lz4": ".lz4raw", "zstd": ".zstd"}


class ParquetFormat:
    envelopes = True

    def __init__(self, config: S3SinkConfig) -> None:
        self.codec = config.parquet_compression
        self.extension = _EXTENSIONS[self.codec] + ".parquet"
        self.row_group_bytes = config.part_size
        self._schemas: DerivedCache[Schema, pa.Schema] = DerivedCache(arrow_schema, 100)

    def open(self, out: ObjectUpload, view: View, first: SinkRecord, reject: Reject) -> RecordWriter:
        schema = view.schema(first, True)
        if schema is None:
            raise DataException("ParquetFormat needs records with a schema; use JsonFormat for schemaless data")
        return ParquetWriter(out, view, self._schemas.get(schema), self.codec, self.row_group_bytes, reject)


class _Output:
    """The file object pyarrow writes to: everything goes on to the upload."""

    closed = False

    def __init__(self, out: ObjectUpload) -> None:
        self._out = out
        self._pos = 0

    def write(self, data: bytes) -> int:
        self._out.write(data)
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class ParquetWriter:
    def __init__(
        self, out: ObjectUpload, view: View, schema: pa.Schema, codec: str, row_group_bytes: int, reject: Reject
    ) -> None:
        self._value = view.value
        self._schema_of = view.schema
        self._schema = schema
        self._reject = reject
        self._row_group_bytes = row_group_bytes
        self._records: list[SinkRecord] = []
        self._rows: list[object] = []
        self._batches: list[pa.RecordBatch] = []
        self._batch_bytes = 0
        self._writer = pq.ParquetWriter(_Output(out), schema, compression=codec)

    def write(self, record: SinkRecord) -> None:
        if self._schema_of(record, True) is None:
            raise DataException("ParquetFormat needs records with a schema; use JsonFormat for schemaless data")
        value = self._value(record, True)
        if not isinstance(value, dict):
            raise DataException(f"ParquetFormat needs struct values, not {type(value).__name__}")
        self._records.append(record)
        self._rows.append(value)
        if len(self._rows) >= CHUNK:
            self._convert()

    def _convert(self) -> None:
        records, rows = self._records, self._rows
        self._records, self._rows = [], []
        if not rows:
            return
        try:
            batch = pa.RecordBatch.from_pylist(rows, schema=self._schema)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            batch, records = self._one_by_one(records, rows)
        bad = rows_missing_required(batch)
        if bad:
            for i in bad:
                self._reject(records[i], DataException("Null value in a required field of the Parquet schema"))
            keep = sorted(set(range(len(records))) - set(bad))
            batch = batch.take(pa.array(keep, pa.int64()))
        self._batches.append(batch)
        self._batch_bytes += batch.nbytes
        if self._batch_bytes >= self._row_group_bytes:
            self._write_row_group()

    def _one_by_one(self, records: list[SinkRecord], rows: list[object]) -> tuple[pa.RecordBatch, list[SinkRecord]]:
        """The rows Arrow takes, each converted alone, and their records; the others are rejected."""
        good, kept = [], []
        for record, row in zip(records, rows, strict=True):
            try:
                good.append(pa.RecordBatch.from_pylist([row], schema=self._schema))
                kept.append(record)
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
                self._reject(record, DataException(f"Record does not fit the file's Parquet schema: {exc}"))
        if not good:
            return pa.RecordBatch.from_pylist([], schema=self._schema), kept
        return pa.Table.from_batches(good).combine_chunks().to_batches()[0], kept

    def _write_row_group(self) -> None:
        if self._batches:
            self._writer.write_table(pa.Table.from_batches(self._batches, self._schema))
        self._batches, self._batch_bytes = [], 0

    def close(self) -> None:
        self._convert()
        self._write_row_group()
        self._writer.close()
