"""JsonFormat: one JSON document per line, as Kafka Connect's JsonConverter writes values without schemas."""

from __future__ import annotations

import orjson

from connect.converters.json import JsonConverter
from connect.converters.json_values import schemaless_default
from connect.data import SinkRecord
from connectors.s3.config import S3SinkConfig
from connectors.s3.formats.lines import Encode, LineFormat
from connectors.s3.formats.views import HeadersView, View

_LINE = orjson.OPT_APPEND_NEWLINE


class JsonFormat(LineFormat):
    def __init__(self, config: S3SinkConfig) -> None:
        super().__init__(config, ".json")
        self.converter = JsonConverter()
        self.converter.configure({"schemas.enable": False, "decimal.format": config.decimal_format})

    def encoder(self, view: View) -> Encode:
        convert = self.converter.from_connect
        enveloped = isinstance(view, HeadersView)  # headers are written as {"headers": [...]}, as Confluent does
        schema_of, value_of = view.schema, view.value
        dumps = orjson.dumps

        def encode(record: SinkRecord) -> bytes:
            schema, value = schema_of(record, enveloped), value_of(record, enveloped)
            if schema is None and value is not None:
                try:  # what the converter does with schemaless values, with the newline in the same call
                    return dumps(value, default=schemaless_default, option=_LINE)
                except TypeError:
                    pass  # e.g. a map with non-string keys: the converter knows
            data = convert(record.topic, schema, value)
            return b"null\n" if data is None else data + b"\n"

        return encode
