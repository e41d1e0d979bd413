"""Formats of one encoded record per line (JSON, raw bytes), optionally gzipped as a whole."""

from __future__ import annotations

import zlib
from collections.abc import Callable

from connect.data import SinkRecord
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats import RecordWriter, Reject
from connectors.s3.formats.views import View
from connectors.s3.uploads import ObjectUpload

Encode = Callable[[SinkRecord], bytes]  # a record -> its line, separator included


class LineFormat:
    """Records encoded one by one into lines."""

    envelopes = False

    def __init__(self, config: S3SinkConfig, extension: str) -> None:
        self.gzip = config.compression == "gzip"
        self.level = config.compression_level
        self.extension = extension + (".gz" if self.gzip else "")

    def encoder(self, view: View) -> Encode:
        raise NotImplementedError

    def open(self, out: ObjectUpload, view: View, first: SinkRecord, reject: Reject) -> RecordWriter:
        encode = self.encoder(view)
        return GzipLines(out, encode, self.level) if self.gzip else Lines(out, encode)


class Lines:
    def __init__(self, out: ObjectUpload, encode: Encode) -> None:
        self._write = out.write
        self._encode = encode

    def write(self, record: SinkRecord) -> None:
        self._write(self._encode(record))

    def close(self) -> None:
        pass


class GzipLines(Lines):
    """One gzip stream over the whole object (what `gunzip` and query engines read)."""

    def __init__(self, out: ObjectUpload, encode: Encode, level: int) -> None:
        super().__init__(out, encode)
        self._out = out
        self._zip = zlib.compressobj(level, zlib.DEFLATED, 31)

    def write(self, record: SinkRecord) -> None:
        data = self._zip.compress(self._encode(record))
        if data:
            self._write(data)

    def close(self) -> None:
        self._out.write(self._zip.flush())
