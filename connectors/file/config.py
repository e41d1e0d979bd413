"""The keys of the file sink and file source connectors (Kafka Connect's FileStream names)."""

from __future__ import annotations

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Range, Type, ValidString

GROUP = "File"

SINK_CONFIG = (
    ConfigDef()
    .define(
        "file",
        Type.STRING,
        None,
        Importance.HIGH,
        "File the lines are appended to (created when missing); unset = standard output.",
        group=GROUP,
    )
    .define(
        "file.format",
        Type.STRING,
        "value",
        Importance.MEDIUM,
        "`value`: one line per record holding its value (strings and bytes as they are, anything else as "
        "JSON), as Kafka Connect's FileStreamSink. `record`: one JSON object per record with topic, "
        "partition, offset, timestamp, key, value and headers.",
        validator=ValidString.in_("value", "record"),
        group=GROUP,
    )
)

SOURCE_CONFIG = (
    ConfigDef()
    .define(
        "file",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "File to read lines from; it may appear later.",
        validator=NonEmptyString,
        group=GROUP,
    )
    .define(
        "topic",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "Topic each line is written to.",
        validator=NonEmptyString,
        group=GROUP,
    )
    .define(
        "batch.size",
        Type.INT,
        2000,
        Importance.LOW,
        "Most lines returned by one poll.",
        validator=Range.at_least(1),
        group=GROUP,
    )
)
