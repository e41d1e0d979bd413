"""Kafka Connect's predicates: TopicNameMatches, HasHeaderKey, RecordIsTombstone (`negate` is the chain's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import NO_DEFAULT, CompositeValidator, ConfigDef, Importance, NonEmptyString, Type
from connect.data import ConnectRecord
from connect.spi import Predicate
from transforms._java_regex import JAVA_REGEX, compile_java

_PREDICATES = "org.apache.kafka.connect.transforms.predicates."


class TopicNameMatches(Predicate):
    aliases: ClassVar[tuple[str, ...]] = (_PREDICATES + "TopicNameMatches",)
    config_def: ClassVar[ConfigDef] = ConfigDef().define(
        "pattern",
        Type.STRING,
        NO_DEFAULT,
        Importance.MEDIUM,
        "A Java regular expression for matching against the name of a record's topic.",
        validator=CompositeValidator(NonEmptyString, JAVA_REGEX),
    )
    doc: ClassVar[str] = """
        True for records whose whole topic name matches `pattern`, a Java regular expression.

        ```
        predicates=isAudit
        predicates.isAudit.type=TopicNameMatches
        predicates.isAudit.pattern=audit[.].*
        ```
        """

    def configure(self, props: Mapping[str, Any]) -> None:
        self._pattern = compile_java(self.config_def.parse(props)["pattern"])

    def test(self, record: ConnectRecord) -> bool:
        topic = record.topic
        return isinstance(topic, str) and self._pattern.fullmatch(topic) is not None


class HasHeaderKey(Predicate):
    aliases: ClassVar[tuple[str, ...]] = (_PREDICATES + "HasHeaderKey",)
    config_def: ClassVar[ConfigDef] = ConfigDef().define(
        "name", Type.STRING, NO_DEFAULT, Importance.MEDIUM, "The header name.", validator=NonEmptyString
    )
    doc: ClassVar[str] = """
        True for records with at least one header with the configured name.

        ```
        predicates=isRetry
        predicates.isRetry.type=HasHeaderKey
        predicates.isRetry.name=retry-count
        ```
        """

    def configure(self, props: Mapping[str, Any]) -> None:
        self._name = self.config_def.parse(props)["name"]

    def test(self, record: ConnectRecord) -> bool:
        name = self._name
        return any(h.key == name for h in record.headers)


class RecordIsTombstone(Predicate):
    aliases: ClassVar[tuple[str, ...]] = (_PREDICATES + "RecordIsTombstone",)
    config_def: ClassVar[ConfigDef] = ConfigDef()
    doc: ClassVar[str] = """
        True for tombstones: records whose value is null.

        ```
        predicates=isTombstone
        predicates.isTombstone.type=RecordIsTombstone
        ```
        """

    def test(self, record: ConnectRecord) -> bool:
        return record.value is None
