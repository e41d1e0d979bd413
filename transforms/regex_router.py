"""RegexRouter: renames the topic of records whose topic matches a Java regular expression."""

from __future__ import annotations

from typing import Any, ClassVar

from connect.config import NO_DEFAULT, ConfigDef, Importance, Type
from transforms._base import KAFKA_TRANSFORMS, R, Transform
from transforms._java_regex import JAVA_REGEX, compile_java, java_replacement


class RegexRouter(Transform):
    aliases: ClassVar[tuple[str, ...]] = (KAFKA_TRANSFORMS + "RegexRouter",)
    config_def: ClassVar[ConfigDef] = (
        ConfigDef()
        .define(
            "regex",
            Type.STRING,
            NO_DEFAULT,
            Importance.HIGH,
            "Regular expression to use for matching.",
            validator=JAVA_REGEX,
        )
        .define("replacement", Type.STRING, NO_DEFAULT, Importance.HIGH, "Replacement string.")
    )
    doc: ClassVar[str] = """
        Renames the topic of each record whose whole topic matches `regex` (Java syntax), to `replacement`
        with `$1` or `${name}` standing for the groups matched, as Java's `Matcher.replaceFirst`. Records
        whose topic does not match pass unchanged. Here `dbserver1.inventory.orders` becomes `orders`.

        ```
        transforms=route
        transforms.route.type=RegexRouter
        transforms.route.regex=[^.]+[.][^.]+[.](.*)
        transforms.route.replacement=$1
        ```
        """

    def setup(self, config: dict[str, Any]) -> None:
        self._regex = compile_java(config["regex"])
        self._replace = java_replacement("replacement", config["replacement"], self._regex)

    def apply(self, record: R) -> R:
        topic = record.topic
        m = self._regex.fullmatch(topic) if isinstance(topic, str) else None
        if m is None:
            return record
        return record.replace(topic=self._replace(m))
