"""The S3 sink's keys: Confluent's names and defaults, class-name aliases, and errors naming the key to fix."""

from __future__ import annotations

import pytest

from connect.errors import ConfigException
from connectors.s3.config import FormatKind, PartitionerKind, S3SinkConfig
from connectors.s3.connector import S3SinkConnector

BASE = {"s3.bucket.name": "archive", "format.class": "JsonFormat", "flush.size": "100"}


def parse(**props: str) -> S3SinkConfig:
    return S3SinkConfig.parse({**BASE, **props})


def error_key(**props: str) -> str:
    with pytest.raises(ConfigException) as caught:
        parse(**props)
    return caught.value.name


def test_confluent_defaults_and_class_names():
    config = parse(
        **{
            "format.class": "io.confluent.connect.s3.format.parquet.ParquetFormat",
            "partitioner.class": "io.confluent.connect.storage.partitioner.HourlyPartitioner",
            "locale": "en-US",
            "timezone": "UTC",
            "storage.class": "io.confluent.connect.s3.storage.S3Storage",
        }
    )
    assert config.format is FormatKind.PARQUET and config.partitioner is PartitionerKind.HOURLY
    assert config.time.path_format == "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH" and config.time.duration_ms == 3600000
    assert (config.region, config.topics_dir, config.zero_pad, config.part_size) == (
        "us-west-2",
        "topics",
        10,
        25 << 20,
    )
    assert (config.path_style, config.checksums, config.parquet_compression) == (True, "when_required", "snappy")
    assert parse(**{"s3.compression.type": "zstd", "format.class": "ParquetFormat"}).parquet_compression == "zstd"
    assert parse(**{"format.bytearray.separator": "\\r\\n"}).bytearray_separator == b"\r\n"


@pytest.mark.parametrize(
    ("props", "key"),
    [
        ({"flush.size": "0"}, "flush.size"),
        ({"format.class": "io.confluent.connect.s3.format.orc.OrcFormat"}, "format.class"),
        ({"aws.access.key.id": "AKIA"}, "aws.secret.access.key"),
        ({"aws.secret.access.key": "s"}, "aws.access.key.id"),
        ({"partitioner.class": "FieldPartitioner"}, "partition.field.name"),
        ({"partitioner.class": "TimeBasedPartitioner", "locale": "en", "timezone": "UTC"}, "partition.duration.ms"),
        ({"partitioner.class": "DailyPartitioner", "timezone": "UTC"}, "locale"),
        ({"partitioner.class": "DailyPartitioner", "locale": "en"}, "timezone"),
        ({"partitioner.class": "DailyPartitioner", "locale": "en", "timezone": "Mars/Olympus"}, "timezone"),
        (
            {"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "1", "path.format": "YYYY/qq"},
            "path.format",
        ),
        ({"partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "1", "path.format": "MMM"}, "locale"),
        ({"rotate.schedule.interval.ms": "1000"}, "timezone"),
        ({"s3.compression.type": "snappy"}, "s3.compression.type"),
        ({"s3.part.size": "1024"}, "s3.part.size"),
        ({"store.kafka.headers": "true", "headers.format.class": "ByteArrayFormat"}, "headers.format.class"),
    ],
)
def test_bad_values_name_the_key_to_change(props, key):
    props = {k: v for k, v in props.items()}
    if props.get("partitioner.class") == "TimeBasedPartitioner" and "locale" not in props:
        props.setdefault("timezone", "UTC")
        props["locale"] = "fr" if props.get("path.format") == "MMM" else "en"
    assert error_key(**props) == key


def test_validate_reports_cross_key_errors_on_their_key():
    results = S3SinkConnector().validate({**BASE, "aws.access.key.id": "AKIA"})
    assert results["aws.secret.access.key"].errors


def test_security_keys_this_sink_cannot_honour_are_refused_not_ignored():
    results = S3SinkConnector().validate({**BASE, "s3.ssea.name": "AES256"})
    assert "Not supported" in results["s3.ssea.name"].errors[0]
    assert error_key(**{"s3.acl.canned": "private"}) == "s3.acl.canned"
    assert parse(**{"s3.object.tagging": "true", "s3.ssea.name": ""}).bucket == "archive"
