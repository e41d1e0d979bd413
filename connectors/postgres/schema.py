"""Debezium-named Connect schemas: per-table Key/Value/Envelope, the source block, transactions, messages.

Built once per relation (and once per connector for the shared ones), never per event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connect.data import (
    OPTIONAL_BYTES_SCHEMA,
    OPTIONAL_INT64_SCHEMA,
    OPTIONAL_STRING_SCHEMA,
    Schema,
    Type,
)
from connect.data.schema import INT64_SCHEMA, STRING_SCHEMA

SNAPSHOT_VALUES = (
    "true",
    "first",
    "first_in_data_collection",
    "last_in_data_collection",
    "last",
    "false",
    "incremental",
)

SNAPSHOT_SCHEMA = Schema(
    Type.STRING,
    optional=True,
    default="false",
    name="io.debezium.data.Enum",
    version=1,
    parameters={"allowed": ",".join(SNAPSHOT_VALUES)},
)

SOURCE_SCHEMA = Schema.struct(
    "io.debezium.connector.postgresql.Source",
    [
        ("version", STRING_SCHEMA),
        ("connector", STRING_SCHEMA),
        ("name", STRING_SCHEMA),
        ("ts_ms", INT64_SCHEMA),
        ("snapshot", SNAPSHOT_SCHEMA),
        ("db", STRING_SCHEMA),
        ("sequence", OPTIONAL_STRING_SCHEMA),
        ("ts_us", OPTIONAL_INT64_SCHEMA),
        ("ts_ns", OPTIONAL_INT64_SCHEMA),
        ("schema", STRING_SCHEMA),
        ("table", STRING_SCHEMA),
        ("txId", OPTIONAL_INT64_SCHEMA),
        ("lsn", OPTIONAL_INT64_SCHEMA),
        ("xmin", OPTIONAL_INT64_SCHEMA),
        ("origin", OPTIONAL_STRING_SCHEMA),
        ("origin_lsn", OPTIONAL_INT64_SCHEMA),
    ],
    version=1,
)

TRANSACTION_BLOCK_SCHEMA = Schema.struct(
    "event.block",
    [
        ("id", STRING_SCHEMA),
        ("total_order", INT64_SCHEMA),
        ("data_collection_order", INT64_SCHEMA),
    ],
    optional=True,
    version=1,
)

TRANSACTION_KEY_SCHEMA = Schema.struct(
    "io.debezium.connector.common.TransactionMetadataKey", [("id", STRING_SCHEMA)], version=1
)

_COLLECTION_COUNT_SCHEMA = Schema.struct(
    "event.collection", [("data_collection", STRING_SCHEMA), ("event_count", INT64_SCHEMA)], optional=True, version=1
)

TRANSACTION_VALUE_SCHEMA = Schema.struct(
    "io.debezium.connector.common.TransactionMetadataValue",
    [
        ("status", STRING_SCHEMA),
        ("id", STRING_SCHEMA),
        ("event_count", OPTIONAL_INT64_SCHEMA),
        ("data_collections", Schema.array(_COLLECTION_COUNT_SCHEMA, optional=True)),
        ("ts_ms", INT64_SCHEMA),
    ],
    version=1,
)

MESSAGE_KEY_SCHEMA = Schema.struct(
    "io.debezium.connector.postgresql.MessageKey", [("prefix", OPTIONAL_STRING_SCHEMA)], version=1
)


def message_value_schema(binary_mode: str) -> Schema:
    """The value schema of logical decoding messages; `content` follows binary.handling.mode."""
    content = OPTIONAL_BYTES_SCHEMA if binary_mode == "bytes" else OPTIONAL_STRING_SCHEMA
    block = Schema.struct(
        "io.debezium.connector.postgresql.Message",
        [("prefix", OPTIONAL_STRING_SCHEMA), ("content", content)],
        version=1,
    )
    return Schema.struct(
        "io.debezium.connector.postgresql.MessageValue",
        [
            ("op", STRING_SCHEMA),
            ("ts_ms", OPTIONAL_INT64_SCHEMA),
            ("source", SOURCE_SCHEMA),
            ("transaction", TRANSACTION_BLOCK_SCHEMA),
            ("message", block),
        ],
        version=1,
    )


class TableSchemas:
    """The Key, Value and Envelope schemas of one table, named `<prefix>.<schema>.<table>.*` (`name`)."""

    __slots__ = ("envelope", "key", "value")

    def __init__(
        self,
        name: str,
        columns: Sequence[tuple[str, Schema]],
        key_columns: Sequence[str],
        key_fields: Mapping[str, Schema] | None = None,
    ) -> None:
        by_name = {**dict(columns), **(key_fields or {})}
        self.value = Schema.struct(f"{name}.Value", list(columns), optional=True)
        self.key = (
            Schema.struct(f"{name}.Key", [(field, by_name[field]) for field in key_columns]) if key_columns else None
        )
        self.envelope = Schema.struct(
            f"{name}.Envelope",
            [
                ("before", self.value),
                ("after", self.value),
                ("source", SOURCE_SCHEMA),
                ("transaction", TRANSACTION_BLOCK_SCHEMA),
                ("op", STRING_SCHEMA),
                ("ts_ms", OPTIONAL_INT64_SCHEMA),
                ("ts_us", OPTIONAL_INT64_SCHEMA),
                ("ts_ns", OPTIONAL_INT64_SCHEMA),
            ],
            version=2,
        )
