"""ByteArrayFormat: each record's bytes as they are, followed by `format.bytearray.separator`."""

from __future__ import annotations

from connect.converters.bytearray import ByteArrayConverter
from connect.data import SinkRecord
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats.lines import Encode, LineFormat
from connectors.s3.formats.views import View


class ByteArrayFormat(LineFormat):
    def __init__(self, config: S3SinkConfig) -> None:
        super().__init__(config, config.bytearray_extension)
        self.separator = config.bytearray_separator
        self.converter = ByteArrayConverter()

    def encoder(self, view: View) -> Encode:
        convert, separator = self.converter.from_connect, self.separator
        schema_of, value_of = view.schema, view.value

        def encode(record: SinkRecord) -> bytes:
            return (convert(record.topic, schema_of(record, False), value_of(record, False)) or b"") + separator

        return encode
