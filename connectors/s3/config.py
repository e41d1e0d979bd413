"""The keys of the S3 sink (Confluent's S3 sink names and defaults), parsed once into a typed config."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from connect.config import NO_DEFAULT, ConfigDef, Importance, NonEmptyString, Range, Type, ValidString
from connect.config.definition import Password
from connect.errors import ConfigException

S3 = "S3"
STORAGE = "Storage"
PARTITIONER = "Partitioner"
KEYS_AND_HEADERS = "Keys and Headers"
MB = 1024 * 1024


class FormatKind(StrEnum):
    JSON = "json"
    AVRO = "avro"
    BYTEARRAY = "bytearray"
    PARQUET = "parquet"


class PartitionerKind(StrEnum):
    DEFAULT = "default"
    FIELD = "field"
    TIME = "time"
    DAILY = "daily"
    HOURLY = "hourly"


class NullValues(StrEnum):
    IGNORE = "ignore"
    FAIL = "fail"


class Compatibility(StrEnum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    FORWARD = "FORWARD"
    FULL = "FULL"


def _names(kind: str, short: str, package: str) -> tuple[str, ...]:
    return (kind, short, f"{package}.{short}")


# Every name a config may use for a format or a partitioner: ours, the short Java name and Confluent's class.
FORMAT_NAMES: dict[str, FormatKind] = {
    name: kind
    for kind, names in (
        (FormatKind.JSON, _names("json", "JsonFormat", "io.confluent.connect.s3.format.json")),
        (FormatKind.AVRO, _names("avro", "AvroFormat", "io.confluent.connect.s3.format.avro")),
        (FormatKind.BYTEARRAY, _names("bytearray", "ByteArrayFormat", "io.confluent.connect.s3.format.bytearray")),
        (FormatKind.PARQUET, _names("parquet", "ParquetFormat", "io.confluent.connect.s3.format.parquet")),
    )
    for name in names
}
_PARTITIONERS = "io.confluent.connect.storage.partitioner"
PARTITIONER_NAMES: dict[str, PartitionerKind] = {
    name: kind
    for kind, names in (
        (PartitionerKind.DEFAULT, _names("default", "DefaultPartitioner", _PARTITIONERS)),
        (PartitionerKind.FIELD, _names("field", "FieldPartitioner", _PARTITIONERS)),
        (PartitionerKind.TIME, _names("time", "TimeBasedPartitioner", _PARTITIONERS)),
        (PartitionerKind.DAILY, _names("daily", "DailyPartitioner", _PARTITIONERS)),
        (PartitionerKind.HOURLY, _names("hourly", "HourlyPartitioner", _PARTITIONERS)),
    )
    for name in names
}
STORAGE_CLASSES = ("io.confluent.connect.s3.storage.S3Storage", "S3Storage")
EXTRACTORS = ("Record", "RecordField", "Wallclock")
AVRO_CODECS = ("null", "deflate", "bzip2", "snappy", "zstandard")
PARQUET_CODECS = ("none", "snappy", "gzip", "brotli", "lz4", "zstd")
COMPRESSIONS = ("none", "gzip", "snappy", "zstd")


# Keys of Confluent's S3 sink this one does not implement. Those about security refuse the config rather
# than silently writing unencrypted or differently-owned objects; the others are ignored with a warning.
UNSUPPORTED_SECURITY_KEYS = ("s3.ssea.name", "s3.sse.customer.key", "s3.sse.kms.key.id", "s3.acl.canned")
UNSUPPORTED_KEYS = (
    "s3.object.tagging",
    "s3.credentials.provider.class",
    "s3.proxy.url",
    "s3.wan.mode",
    "s3.send.digest",
    "tombstone.encoded.partition",
    "schema.partition.affix.type",
)


def unsupported(props: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(security keys set that this sink cannot honour, other unsupported keys set)."""
    refused = [k for k in UNSUPPORTED_SECURITY_KEYS if str(props.get(k) or "").strip()]
    ignored = [k for k in UNSUPPORTED_KEYS if k in props]
    return refused, ignored


class _OneOf:
    """A value from a fixed table of names (case-sensitive, as Java class names are)."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.table = table

    def __call__(self, name: str, value: Any) -> None:
        if value is not None and value not in self.table:
            raise ConfigException(name, value, f"Must be one of: {', '.join(self.table)}")

    def __str__(self) -> str:
        return "one of " + ", ".join(f"`{n}`" for n in self.table)


def _bucket_name(name: str, value: Any) -> None:
    if value is not None and not 3 <= len(str(value)) <= 255:
        raise ConfigException(name, value, "A bucket name has 3 to 255 characters")


def _part_size(name: str, value: Any) -> None:
    if value is not None and not 5 * MB <= value <= 2**31 - 1:
        raise ConfigException(name, value, "Must be between 5 MiB (5242880, S3's smallest part) and 2147483647")


_part_size.__doc__ = "[5242880,...,2147483647]"


S3_CONFIG = (
    ConfigDef()
    # -- where and how to reach the store ----------------------------------------------------
    .define(
        "s3.bucket.name",
        Type.STRING,
        NO_DEFAULT,
        Importance.HIGH,
        "The bucket the objects are written to; it must exist (`validate` and the task say when it does not).",
        validator=_bucket_name,
        group=S3,
    )
    .define(
        "s3.region",
        Type.STRING,
        "us-west-2",
        Importance.MEDIUM,
        "The AWS region of the bucket (signing region for an S3-compatible store).",
        validator=NonEmptyString,
        group=S3,
    )
    .define(
        "store.url",
        Type.STRING,
        None,
        Importance.HIGH,
        "Endpoint of an S3-compatible store (MinIO, Ceph, S3Proxy...), e.g. `http://minio:9000`; empty: "
        "AWS S3 in `s3.region`.",
        group=S3,
    )
    .define(
        "aws.access.key.id",
        Type.STRING,
        "",
        Importance.HIGH,
        "Access key id; with `aws.secret.access.key`. Leave both empty to use the default credential chain "
        "(environment, shared credentials file, instance or container role).",
        group=S3,
    )
    .define(
        "aws.secret.access.key",
        Type.PASSWORD,
        None,
        Importance.HIGH,
        "Secret access key that goes with `aws.access.key.id`.",
        group=S3,
    )
    .define(
        "s3.path.style.access.enabled",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Address the bucket in the path (`endpoint/bucket/key`) instead of the host name; most S3-compatible "
        "stores need it.",
        group=S3,
    )
    .define(
        "s3.request.checksum.calculation",
        Type.STRING,
        "when_required",
        Importance.LOW,
        "`when_required` sends request checksums only where S3 requires one, which every S3-compatible store "
        "accepts; `when_supported` adds CRC checksums to every upload (AWS S3 and recent stores only: others, "
        "S3Proxy among them, refuse such uploads with NotImplemented). Responses are validated likewise.",
        validator=ValidString.in_("when_required", "when_supported"),
        group=S3,
    )
    .define(
        "s3.part.size",
        Type.INT,
        25 * MB,
        Importance.HIGH,
        "Size of the parts of a multipart upload. An open file holds at most one part in memory; an object "
        "larger than a part is streamed as a multipart upload while it is written, a smaller one is written "
        "with one request when its file is committed.",
        validator=_part_size,
        group=S3,
    )
    .define(
        "s3.part.retries",
        Type.INT,
        3,
        Importance.MEDIUM,
        "Retries of one S3 request by the client. When they are used up the request is retried again, with "
        "backoff, until it succeeds: meanwhile `put` raises a retriable error (the worker backs off), nothing "
        "is dropped and no offset is committed past what is in S3.",
        validator=Range.at_least(0),
        group=S3,
    )
    .define(
        "s3.retry.backoff.ms",
        Type.LONG,
        200,
        Importance.LOW,
        "Wait before retrying a failed request; each further retry waits up to twice as long (with jitter), "
        "at most 5 s, as the worker's outage rule.",
        validator=Range.at_least(0),
        group=S3,
    )
    .define(
        "s3.compression.type",
        Type.STRING,
        "none",
        Importance.LOW,
        "`gzip` compresses JSON and ByteArray files as a whole (extension `.gz` added). With ParquetFormat, "
        "`gzip`, `snappy` and `zstd` name the Parquet codec (overriding `parquet.codec`). `snappy` and `zstd` "
        "are for Parquet only; Avro uses `avro.codec`.",
        validator=ValidString.in_(*COMPRESSIONS),
        group=S3,
    )
    .define(
        "s3.compression.level",
        Type.INT,
        -1,
        Importance.LOW,
        "Gzip level, 0-9; -1 is zlib's default (6).",
        validator=Range.between(-1, 9),
        group=S3,
    )
    .define(
        "behavior.on.null.values",
        Type.STRING,
        NullValues.FAIL.value,
        Importance.LOW,
        "What a record with a null value (a tombstone) does: `ignore` skips it, `fail` hands it to the error "
        "handling (dead-letter topic or task failure, per `errors.tolerance`).",
        validator=ValidString.in_(*NullValues),
        group=S3,
    )
    # -- files and their rotation ------------------------------------------------------------
    .define(
        "format.class",
        Type.CLASS,
        NO_DEFAULT,
        Importance.HIGH,
        "The file format: JSON lines (`JsonFormat`), Avro container files (`AvroFormat`, the record's schema), "
        "raw bytes (`ByteArrayFormat`) or Parquet (`ParquetFormat`, the Connect schema mapped to Arrow types). "
        "Confluent's class names are accepted.",
        validator=_OneOf(FORMAT_NAMES),
        group=STORAGE,
    )
    .define(
        "flush.size",
        Type.INT,
        NO_DEFAULT,
        Importance.HIGH,
        "Records per commit: once this many records of a Kafka partition are written, its open files are "
        "completed and their offsets committed.",
        validator=Range.at_least(1),
        group=STORAGE,
    )
    .define(
        "rotate.interval.ms",
        Type.LONG,
        -1,
        Importance.HIGH,
        "With a time-based partitioner: commit the open files when a record's timestamp (from "
        "`timestamp.extractor`) is this far past the first record of the files. With the Record or "
        "RecordField extractor the files depend only on the records, so a replay writes the same objects. "
        "-1 disables it.",
        validator=Range.at_least(-1),
        group=STORAGE,
    )
    .define(
        "rotate.schedule.interval.ms",
        Type.LONG,
        -1,
        Importance.MEDIUM,
        "Commit the open files on the wall clock, at this interval from midnight in `timezone`, whatever "
        "their size. It breaks determinism: a replay after a crash may cut files at other offsets (the task "
        "then deletes the unfinished files it finds before writing them again, so no record is duplicated "
        "with `recover.offsets.from.objects`). -1 disables it.",
        validator=Range.at_least(-1),
        group=STORAGE,
    )
    .define(
        "schema.compatibility",
        Type.STRING,
        Compatibility.NONE.value,
        Importance.HIGH,
        "When a record's value schema differs from its open file's: NONE commits the open files on any "
        "change; BACKWARD keeps the file while the record's schema version is not newer (older records are "
        "projected to the file's schema); FORWARD while it is not older; FULL while the record projects. "
        "BACKWARD, FORWARD and FULL need schema versions.",
        validator=ValidString.in_(*Compatibility),
        group=STORAGE,
    )
    .define(
        "topics.dir",
        Type.STRING,
        "topics",
        Importance.HIGH,
        "Top-level prefix of the object keys: `<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+"
        "<start offset>.<ext>`.",
        group=STORAGE,
    )
    .define("directory.delim", Type.STRING, "/", Importance.LOW, "Separator of key levels.", group=STORAGE)
    .define("file.delim", Type.STRING, "+", Importance.LOW, "Separator within object names.", group=STORAGE)
    .define(
        "filename.offset.zero.pad.width",
        Type.INT,
        10,
        Importance.LOW,
        "Width the start offset in an object name is zero-padded to, so names sort by offset.",
        validator=Range.at_least(0),
        group=STORAGE,
    )
    .define(
        "recover.offsets.from.objects",
        Type.BOOLEAN,
        True,
        Importance.MEDIUM,
        "When a Kafka partition is assigned, list its objects: if the consumer group's offset is behind what "
        "the objects hold (lost or not yet committed offsets), resume after the last complete commit instead "
        "of writing it again, and delete the objects of a commit a crash left unfinished before writing them "
        "again. Costs one listing of the partition's objects per assignment.",
        group=STORAGE,
    )
    .define(
        "partitioner.max.open.files",
        Type.INT,
        -1,
        Importance.LOW,
        "Most files open at once per Kafka partition; a record for one more commits the open files. -1: no "
        "limit. Bounds memory with field- or time-based partitioners.",
        validator=Range.at_least(-1),
        group=STORAGE,
    )
    .define(
        "rotate.file.on.partition.change",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "With `rotate.interval.ms`: also commit the open files when a record lands in another encoded "
        "partition than the one before.",
        group=STORAGE,
    )
    .define(
        "storage.class",
        Type.CLASS,
        STORAGE_CLASSES[0],
        Importance.LOW,
        "Accepted for configs written for Confluent's connector; S3 is the only storage.",
        validator=ValidString.in_(*STORAGE_CLASSES, case_sensitive=True),
        group=STORAGE,
    )
    .define(
        "avro.codec",
        Type.STRING,
        "null",
        Importance.LOW,
        "Codec of Avro container blocks: null, deflate or bzip2; snappy and zstandard when the `cramjam` / "
        "`zstandard` package is installed.",
        validator=ValidString.in_(*AVRO_CODECS),
        group=STORAGE,
    )
    .define(
        "parquet.codec",
        Type.STRING,
        "snappy",
        Importance.LOW,
        "Codec of Parquet column chunks.",
        validator=ValidString.in_(*PARQUET_CODECS),
        group=STORAGE,
    )
    .define(
        "connect.meta.data",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Keep Connect's schema names, versions, docs and parameters in Avro schemas as `connect.*` properties.",
        group=STORAGE,
    )
    .define(
        "json.decimal.format",
        Type.STRING,
        "BASE64",
        Importance.MEDIUM,
        "How JsonFormat writes Decimal values: BASE64 (as Kafka Connect's JsonConverter) or NUMERIC.",
        validator=ValidString.in_("BASE64", "NUMERIC"),
        group=STORAGE,
    )
    .define(
        "format.bytearray.extension",
        Type.STRING,
        ".bin",
        Importance.LOW,
        "Extension of ByteArrayFormat objects.",
        group=STORAGE,
    )
    .define(
        "format.bytearray.separator",
        Type.STRING,
        None,
        Importance.LOW,
        "Bytes written after each ByteArrayFormat record; escapes such as `\\n` are understood. Default: a newline.",
        group=STORAGE,
    )
    # -- partitioners --------------------------------------------------------------------------
    .define(
        "partitioner.class",
        Type.CLASS,
        "io.confluent.connect.storage.partitioner.DefaultPartitioner",
        Importance.HIGH,
        "How records map to key prefixes: DefaultPartitioner (`partition=<kafka partition>`), FieldPartitioner "
        "(`<field>=<value>` per `partition.field.name`), TimeBasedPartitioner (`path.format` of the record's "
        "time), DailyPartitioner (`year=YYYY/month=MM/day=dd`), HourlyPartitioner (daily plus `hour=HH`).",
        validator=_OneOf(PARTITIONER_NAMES),
        group=PARTITIONER,
    )
    .define(
        "partition.field.name",
        Type.LIST,
        "",
        Importance.MEDIUM,
        "The value fields FieldPartitioner uses, in order; nested fields as `a.b`. Integer, string and boolean fields.",
        group=PARTITIONER,
    )
    .define(
        "partition.duration.ms",
        Type.LONG,
        -1,
        Importance.MEDIUM,
        "Width of one TimeBasedPartitioner partition, in ms (3600000 for hourly folders).",
        validator=Range.at_least(-1),
        group=PARTITIONER,
    )
    .define(
        "path.format",
        Type.STRING,
        "",
        Importance.MEDIUM,
        "The encoded partition of TimeBasedPartitioner as a Joda-Time pattern, e.g. "
        "`'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH`; text in quotes is literal.",
        group=PARTITIONER,
    )
    .define(
        "locale",
        Type.STRING,
        "",
        Importance.MEDIUM,
        "Locale of TimeBasedPartitioner's path, e.g. `en-US`. Month and day names (`MMM`, `EEE`) are written "
        "in English.",
        group=PARTITIONER,
    )
    .define(
        "timezone",
        Type.STRING,
        "",
        Importance.MEDIUM,
        "Time zone of time-based paths and of `rotate.schedule.interval.ms`: an IANA name such as "
        "`Europe/Paris`, `UTC`, or a fixed offset `+02:00`.",
        group=PARTITIONER,
    )
    .define(
        "timestamp.extractor",
        Type.STRING,
        "Wallclock",
        Importance.MEDIUM,
        "The time of a record for time-based partitioners and `rotate.interval.ms`: `Record` (its Kafka "
        "timestamp), `RecordField` (the value field `timestamp.field`: a Timestamp, epoch milliseconds or an "
        "ISO-8601 string) or `Wallclock` (when it is written; not deterministic).",
        validator=ValidString.in_(*EXTRACTORS, case_sensitive=True),
        group=PARTITIONER,
    )
    .define(
        "timestamp.field",
        Type.STRING,
        "timestamp",
        Importance.MEDIUM,
        "The value field of the RecordField extractor; nested fields as `a.b`.",
        group=PARTITIONER,
    )
    # -- keys and headers ----------------------------------------------------------------------
    .define(
        "store.kafka.keys",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "Also write each record's key, into a `.keys.<ext>` object beside each value object (a record "
        "without a key then goes to the error handling).",
        group=KEYS_AND_HEADERS,
    )
    .define(
        "store.kafka.headers",
        Type.BOOLEAN,
        False,
        Importance.LOW,
        "Also write each record's headers (key and value as strings), into a `.headers.<ext>` object (a "
        "record without headers then goes to the error handling).",
        group=KEYS_AND_HEADERS,
    )
    .define(
        "keys.format.class",
        Type.CLASS,
        "io.confluent.connect.s3.format.avro.AvroFormat",
        Importance.LOW,
        "Format of the key objects.",
        validator=_OneOf(FORMAT_NAMES),
        group=KEYS_AND_HEADERS,
    )
    .define(
        "headers.format.class",
        Type.CLASS,
        "io.confluent.connect.s3.format.avro.AvroFormat",
        Importance.LOW,
        "Format of the header objects (not ByteArrayFormat).",
        validator=_OneOf(FORMAT_NAMES),
        group=KEYS_AND_HEADERS,
    )
)


@dataclass(frozen=True, slots=True)
class TimeConfig:
    """What time-based partitioners and rotations need."""

    duration_ms: int
    path_format: str
    locale: str
    timezone: str
    extractor: str
    field: str


@dataclass(frozen=True, slots=True)
class S3SinkConfig:
    """Parsed settings of one sink task."""

    bucket: str
    region: str
    endpoint: str | None
    access_key: str | None
    secret_key: str | None
    path_style: bool
    checksums: str
    part_size: int
    part_retries: int
    retry_backoff_ms: int
    compression: str
    compression_level: int
    null_values: NullValues
    format: FormatKind
    flush_size: int
    rotate_interval_ms: int
    rotate_schedule_interval_ms: int
    compatibility: Compatibility
    topics_dir: str
    directory_delim: str
    file_delim: str
    zero_pad: int
    recover_offsets: bool
    max_open_files: int
    rotate_on_partition_change: bool
    avro_codec: str
    parquet_codec: str
    connect_meta: bool
    decimal_format: str
    bytearray_extension: str
    bytearray_separator: bytes
    partitioner: PartitionerKind
    partition_fields: tuple[str, ...]
    time: TimeConfig
    store_keys: bool
    store_headers: bool
    keys_format: FormatKind
    headers_format: FormatKind

    @property
    def time_based(self) -> bool:
        return self.partitioner in (PartitionerKind.TIME, PartitionerKind.DAILY, PartitionerKind.HOURLY)

    @property
    def where(self) -> str:
        return f"bucket {self.bucket!r} at {self.endpoint or 'AWS S3 (' + self.region + ')'}"

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> S3SinkConfig:
        refused, _ignored = unsupported(props)
        if refused:
            raise ConfigException(refused[0], props[refused[0]], "Not supported by this sink: use bucket defaults")
        p = S3_CONFIG.parse(props)
        secret = p["aws.secret.access.key"]
        config = cls(
            bucket=p["s3.bucket.name"],
            region=p["s3.region"],
            endpoint=p["store.url"] or None,
            access_key=p["aws.access.key.id"] or None,
            secret_key=(secret.value if isinstance(secret, Password) else None) or None,
            path_style=p["s3.path.style.access.enabled"],
            checksums=p["s3.request.checksum.calculation"],
            part_size=p["s3.part.size"],
            part_retries=p["s3.part.retries"],
            retry_backoff_ms=p["s3.retry.backoff.ms"],
            compression=p["s3.compression.type"].lower(),
            compression_level=p["s3.compression.level"],
            null_values=NullValues(p["behavior.on.null.values"].lower()),
            format=FORMAT_NAMES[p["format.class"]],
            flush_size=p["flush.size"],
            rotate_interval_ms=p["rotate.interval.ms"],
            rotate_schedule_interval_ms=p["rotate.schedule.interval.ms"],
            compatibility=Compatibility(p["schema.compatibility"].upper()),
            topics_dir=p["topics.dir"].strip(p["directory.delim"] or "/"),
            directory_delim=p["directory.delim"],
            file_delim=p["file.delim"],
            zero_pad=p["filename.offset.zero.pad.width"],
            recover_offsets=p["recover.offsets.from.objects"],
            max_open_files=p["partitioner.max.open.files"],
            rotate_on_partition_change=p["rotate.file.on.partition.change"],
            avro_codec=p["avro.codec"].lower(),
            parquet_codec=p["parquet.codec"].lower(),
            connect_meta=p["connect.meta.data"],
            decimal_format=p["json.decimal.format"].upper(),
            bytearray_extension=p["format.bytearray.extension"],
            bytearray_separator=_separator(p["format.bytearray.separator"]),
            partitioner=PARTITIONER_NAMES[p["partitioner.class"]],
            partition_fields=tuple(f for f in p["partition.field.name"] if f),
            time=_time_config(p),
            store_keys=p["store.kafka.keys"],
            store_headers=p["store.kafka.headers"],
            keys_format=FORMAT_NAMES[p["keys.format.class"]],
            headers_format=FORMAT_NAMES[p["headers.format.class"]],
        )
        config._check()
        return config

    def _check(self) -> None:
        """Rules that span keys, each reported on the key to change."""
        if bool(self.access_key) != bool(self.secret_key):
            missing = "aws.secret.access.key" if self.access_key else "aws.access.key.id"
            raise ConfigException(missing, None, "Set both aws.access.key.id and aws.secret.access.key, or neither")
        if self.partitioner is PartitionerKind.FIELD and not self.partition_fields:
            raise ConfigException("partition.field.name", "", "FieldPartitioner needs at least one field")
        if self.time_based:
            _check_time(self.time, self.partitioner)
        if self.rotate_schedule_interval_ms > 0 and not self.time.timezone:
            raise ConfigException("timezone", "", "rotate.schedule.interval.ms needs a time zone")
        if self.compression in ("snappy", "zstd") and self.format is not FormatKind.PARQUET:
            raise ConfigException(
                "s3.compression.type", self.compression, "snappy and zstd apply to ParquetFormat only"
            )
        if self.store_headers and self.headers_format is FormatKind.BYTEARRAY:
            raise ConfigException("headers.format.class", "ByteArrayFormat", "Headers cannot be written as bytes")
        if FormatKind.AVRO in self.formats:
            _check_avro_codec(self.avro_codec)
        if self.time.timezone:
            from connectors.s3.timezones import zone

            zone("timezone", self.time.timezone)

    @property
    def formats(self) -> set[FormatKind]:
        """Every format this config writes (values, and keys or headers when stored)."""
        used = {self.format}
        if self.store_keys:
            used.add(self.keys_format)
        if self.store_headers:
            used.add(self.headers_format)
        return used

    @property
    def parquet_compression(self) -> str:
        """The Parquet codec: `s3.compression.type` when it names one, else `parquet.codec`."""
        return self.compression if self.compression != "none" else self.parquet_codec


def _separator(raw: str | None) -> bytes:
    if raw is None:
        return b"\n"
    return codecs.decode(raw, "unicode_escape").encode("utf-8")


def _time_config(p: Mapping[str, Any]) -> TimeConfig:
    delim = p["directory.delim"]
    kind = PARTITIONER_NAMES[p["partitioner.class"]]
    duration, path = p["partition.duration.ms"], p["path.format"]
    if kind is PartitionerKind.DAILY:
        duration, path = 86_400_000, delim.join(("'year'=YYYY", "'month'=MM", "'day'=dd"))
    elif kind is PartitionerKind.HOURLY:
        duration, path = 3_600_000, delim.join(("'year'=YYYY", "'month'=MM", "'day'=dd", "'hour'=HH"))
    if delim and path.endswith(delim) and path != delim:
        path = path[: -len(delim)]
    return TimeConfig(duration, path, p["locale"], p["timezone"], p["timestamp.extractor"], p["timestamp.field"])


_LOCALE = re.compile(r"^[A-Za-z]{2,8}([_-][A-Za-z0-9]{2,8})*$")


def _check_time(time: TimeConfig, kind: PartitionerKind) -> None:
    if kind is PartitionerKind.TIME and time.duration_ms <= 0:
        raise ConfigException("partition.duration.ms", time.duration_ms, "TimeBasedPartitioner needs a duration > 0")
    if not time.path_format:
        raise ConfigException("path.format", "", "Path format cannot be empty")
    if not time.locale or not _LOCALE.match(time.locale):
        raise ConfigException("locale", time.locale, "A locale such as en-US is needed by time-based partitioners")
    if not time.timezone:
        raise ConfigException("timezone", "", "A time zone such as UTC is needed by time-based partitioners")
    from connectors.s3.path_format import PathFormat

    PathFormat.compile(time.path_format, time.locale)  # raises ConfigException naming path.format or locale


def _check_avro_codec(codec: str) -> None:
    module = {"snappy": "cramjam", "zstandard": "zstandard"}.get(codec)
    if module is None:
        return
    try:
        __import__(module)
    except ImportError:
        message = f"needs the Python package {module}, which is not installed"
        raise ConfigException("avro.codec", codec, message) from None
