"""Converters: Connect data (schema + plain value) to the bytes Kafka stores, and back.

JsonConverter, StringConverter and ByteArrayConverter mirror Kafka Connect's; AvroConverter writes
the Confluent wire format with a Schema Registry; SimpleHeaderConverter is the default
header converter. AvroConverter is imported lazily: it pulls in the Schema Registry client.
"""

from typing import Any

from connect.converters.bytearray import ByteArrayConverter
from connect.converters.headers import SimpleHeaderConverter
from connect.converters.json import JsonConverter
from connect.converters.string import StringConverter

__all__ = ["AvroConverter", "ByteArrayConverter", "JsonConverter", "SimpleHeaderConverter", "StringConverter"]


def __getattr__(name: str) -> Any:
    if name == "AvroConverter":
        from connect.converters.avro import AvroConverter

        return AvroConverter
    raise AttributeError(name)
