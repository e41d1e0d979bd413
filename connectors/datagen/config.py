"""The keys of the datagen source connector."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Range, Type

GROUP = "Datagen"

DATAGEN_CONFIG = (
    ConfigDef()
    .define(
        "kafka.topic",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Topic the records are written to.",
        validator=NonEmptyString,
        group=GROUP,
    )
    .define(
        "rate",
        Type.DOUBLE,
        0.0,
        Importance.MEDIUM,
        "Records per second, per task; 0 or negative produces as fast as the worker takes them.",
        group=GROUP,
    )
    .define(
        "record.size",
        Type.INT,
        200,
        Importance.MEDIUM,
        "Approximate size in bytes of a value written as JSON without schema; a padding field fills the rest.",
        validator=Range.at_least(0),
        group=GROUP,
    )
    .define(
        "key.cardinality",
        Type.LONG,
        1000,
        Importance.MEDIUM,
        "Number of distinct keys: record n has key `key-<n % key.cardinality>`; 0 writes null keys.",
        validator=Range.at_least(0),
        group=GROUP,
    )
    .define(
        "max.records",
        Type.LONG,
        -1,
        Importance.MEDIUM,
        "Records each task produces before it goes idle (sequence numbers 0 to max.records-1); -1 = no end.",
        validator=Range.at_least(-1),
        group=GROUP,
    )
    .define(
        "batch.size",
        Type.INT,
        1000,
        Importance.LOW,
        "Most records returned by one poll.",
        validator=Range.between(1, 1_000_000),
        group=GROUP,
    )
    .define(
        "schema.enabled",
        Type.BOOLEAN,
        False,
        Importance.MEDIUM,
        "true: values are structs with the schema `datagen.Value` {seq int64, key string (optional), "
        "ts int64, payload string} and keys carry a string schema; false: schemaless maps and strings.",
        group=GROUP,
    )
    .define(
        "seed",
        Type.LONG,
        0,
        Importance.LOW,
        "Seed of the padding text, so two runs with the same settings write the same payloads.",
        group=GROUP,
    )
)


@dataclass(frozen=True, slots=True)
class DatagenConfig:
    """Parsed datagen settings."""

    topic: str
    rate: float
    record_size: int
    key_cardinality: int
    max_records: int
    batch_size: int
    schema_enabled: bool
    seed: int

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> DatagenConfig:
        p = DATAGEN_CONFIG.parse(props)
        return cls(
            p["kafka.topic"],
            p["rate"],
            p["record.size"],
            p["key.cardinality"],
            p["max.records"],
            p["batch.size"],
            p["schema.enabled"],
            p["seed"],
        )
