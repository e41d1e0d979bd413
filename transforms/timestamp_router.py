"""TimestampRouter: renames the topic from the original topic and the record timestamp."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import ConfigDef, Importance, Type
from connect.errors import ConfigException, DataException
from transforms._base import KAFKA_TRANSFORMS, R, Transform
from transforms._date_format import JavaDateFormat


class TimestampRouter(Transform):
    aliases: ClassVar[tuple[str, ...]] = (KAFKA_TRANSFORMS + "TimestampRouter",)
    config_def: ClassVar[ConfigDef] = (
        ConfigDef()
        .define(
            "topic.format",
            Type.STRING,
            "${topic}-${timestamp}",
            Importance.HIGH,
            "Format string which can contain `${topic}` and `${timestamp}` as placeholders for the topic and "
            "timestamp, respectively.",
        )
        .define(
            "timestamp.format",
            Type.STRING,
            "yyyyMMdd",
            Importance.HIGH,
            "Format string for the timestamp that is compatible with `java.text.SimpleDateFormat` (in UTC).",
        )
    )
    doc: ClassVar[str] = """
        Sets each record's topic from its original topic and its timestamp, mostly for sinks that name an
        index or table after the topic (one index per day, say). A record without a timestamp is an error.

        ```
        transforms=daily
        transforms.daily.type=TimestampRouter
        transforms.daily.topic.format=${topic}-${timestamp}
        transforms.daily.timestamp.format=yyyy.MM.dd
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._topic_format: str = config["topic.format"]
        try:
            self._format = JavaDateFormat(config["timestamp.format"])
        except ValueError as exc:
            raise ConfigException("timestamp.format", config["timestamp.format"], str(exc)) from None

    def apply(self, record: R) -> R:
        ts = record.timestamp
        if ts is None:
            raise DataException(f"Timestamp missing on record of topic {record.topic!r}")
        if not isinstance(ts, int) or isinstance(ts, bool):
            raise DataException(f"Record timestamp {ts!r} is not a number of milliseconds")
        try:
            stamp = self._format.format(ts)
        except ValueError as exc:
            raise DataException(f"Record timestamp {ts}: {exc}") from None
        topic = self._topic_format.replace("${topic}", record.topic).replace("${timestamp}", stamp)
        return record.replace(topic=topic)
