"""JsonFormat: one JSON document per line, as Kafka Connect's JsonConverter writes values without schemas."""

from __future__ import annotations

from collections.abc import Callable

from connect.converters.json import JsonConverter
from connect.data import SinkRecord
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats.lines import LineFormat
from connectors.s3.formats.views import HeadersView, View


class JsonFormat(LineFormat):
    def __init__(self, config: S3SinkConfig) -> None:
        super().__init__(config, ".json", b"\n")
        self.converter = JsonConverter()
        self.converter.configure({"schemas.enable": False, "decimal.format": config.decimal_format})

    def encoder(self, view: View) -> Callable[[SinkRecord], bytes]:
        convert = self.converter.from_connect
        enveloped = isinstance(view, HeadersView)  # headers are written as {"headers": [...]}, as Confluent does
        schema_of, value_of = view.schema, view.value

        def encode(record: SinkRecord) -> bytes:
            data = convert(record.topic, schema_of(record, enveloped), value_of(record, enveloped))
            return b"null" if data is None else data

        return encode
