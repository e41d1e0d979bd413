"""What every plugin has: a version, a config definition, and `configure`/`close`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connect.config import ConfigDef


class Plugin:
    """Base of every plugin class.

    `config_def` declares the plugin's keys once; `aliases` lists other names it answers
    to (e.g. the Java class name a Kafka Connect user already has in their configs).
    """

    config_def: ClassVar[ConfigDef] = ConfigDef()
    version: ClassVar[str] = "0.1.0"
    aliases: ClassVar[tuple[str, ...]] = ()
    doc: ClassVar[str] = ""

    def configure(self, props: Mapping[str, Any]) -> None:
        """Receive this plugin's own props (prefix already stripped)."""

    def close(self) -> None:
        """Release resources."""
