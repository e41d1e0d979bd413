"""File formats: each turns the records of one file into the bytes of one object.

A format is made once per task; `open(out, view, first_record)` starts a file on an ObjectUpload and
returns its RecordWriter. `write(record)` either encodes the record into the file or raises
DataException leaving the file as it was (the sink then hands the record to the error handling);
`close()` writes what ends the file (a footer, the compressor's tail). A format that encodes records
in chunks (Parquet) calls `reject(record, error)` for a record it finds bad only then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from connect.data import SinkRecord
from connectors.s3.config import FormatKind, S3SinkConfig
from connectors.s3.formats.views import View
from connectors.s3.uploads import ObjectUpload

Reject = Callable[[SinkRecord, Exception], None]


class RecordWriter(Protocol):
    def write(self, record: SinkRecord) -> None: ...

    def close(self) -> None: ...


class Format(Protocol):
    #: the object name's extension, compression included (`.json.gz`, `.snappy.parquet`)
    extension: str
    #: whether key and header views are written enveloped in a struct
    envelopes: bool

    def open(self, out: ObjectUpload, view: View, first: SinkRecord, reject: Reject) -> RecordWriter: ...


def format_for(kind: FormatKind, config: S3SinkConfig) -> Format:
    """The format of `kind`, configured (Parquet's module, and pyarrow, are imported only when used)."""
    if kind is FormatKind.JSON:
        from connectors.s3.formats.json import JsonFormat

        return JsonFormat(config)
    if kind is FormatKind.BYTEARRAY:
        from connectors.s3.formats.bytearray import ByteArrayFormat

        return ByteArrayFormat(config)
    if kind is FormatKind.AVRO:
        from connectors.s3.formats.avro import AvroFormat

        return AvroFormat(config)
    from connectors.s3.formats.parquet import ParquetFormat

    return ParquetFormat(config)
