"""The plugin registry: only classes registered as entry points can ever be loaded.

Plugins are declared in a distribution's `pyproject.toml`:

    [project.entry-points."sluice.transforms"]
    RegexRouter = "transforms.regex_router:RegexRouter"

and are addressable by that alias, by their Python name (`transforms.regex_router.RegexRouter`)
or by any name in the class's `aliases` (e.g. the Kafka Connect Java class name). A config
naming anything else is rejected: a config can never make the worker import a module.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from importlib import metadata
from typing import Any

from connect.errors import ConnectException


class PluginKind(StrEnum):
    CONNECTOR = "sluice.connectors"
    TRANSFORMATION = "sluice.transforms"
    PREDICATE = "sluice.predicates"
    CONVERTER = "sluice.converters"
    HEADER_CONVERTER = "sluice.header_converters"


@dataclass(frozen=True, slots=True)
class PluginDesc:
    """What the REST API lists for one plugin."""

    class_name: str
    type: str
    version: str
    aliases: tuple[str, ...]
    cls: builtins.type


class UnknownPluginError(ConnectException):
    pass


@dataclass(frozen=True, slots=True)
class _Entry:
    alias: str
    value: str  # "module:Class"
    load: Callable[[], Any]

    @property
    def python_name(self) -> str:
        return self.value.replace(":", ".")


def _same(cls: type) -> type:
    """The loader of a class given directly (PluginRegistry.of)."""
    return cls


class PluginRegistry:
    """Resolves plugin names to classes; loads a class only when it is asked for."""

    def __init__(self, entries: Mapping[PluginKind, Iterable[_Entry]] | None = None) -> None:
        if entries is None:
            entries = {
                kind: [_Entry(ep.name, ep.value, ep.load) for ep in metadata.entry_points(group=kind.value)]
                for kind in PluginKind
            }
        self._entries = {kind: list(entries.get(kind, ())) for kind in PluginKind}
        self._names: dict[PluginKind, dict[str, _Entry]] = {}
        self._classes: dict[tuple[PluginKind, str], type] = {}
        self._lock = threading.Lock()
        for kind, items in self._entries.items():
            names: dict[str, _Entry] = {}
            for e in items:
                names.setdefault(e.alias, e)
                names.setdefault(e.python_name, e)
            self._names[kind] = names

    @classmethod
    def of(cls, plugins: dict[PluginKind, dict[str, type]], base: PluginRegistry | None = None) -> PluginRegistry:
        """A registry of the given classes, plus those of `base` (for tests and embedding)."""
        entries: dict[PluginKind, list[_Entry]] = {k: list(base._entries[k]) if base else [] for k in PluginKind}
        for kind, classes in plugins.items():
            entries[kind] += [
                _Entry(alias, f"{c.__module__}:{c.__qualname__}", partial(_same, c)) for alias, c in classes.items()
            ]
        return cls(entries)

    def _load(self, kind: PluginKind, entry: _Entry) -> type:
        key = (kind, entry.value)
        with self._lock:
            if key not in self._classes:
                try:
                    self._classes[key] = entry.load()
                except Exception as exc:
                    raise ConnectException(f"plugin {entry.alias} ({entry.value}) failed to load: {exc}") from exc
            return self._classes[key]

    def _index_aliases(self, kind: PluginKind, wanted: str) -> None:
        """Learn the class-declared aliases, loading entries until `wanted` is known.

        Entries whose short name appears in `wanted` go first ("io.debezium...PostgresConnector"
        names `postgres`): loading every plugin would import every client library at start-up.
        """
        lowered = wanted.lower()
        for entry in sorted(self._entries[kind], key=lambda e: e.alias.lower() not in lowered):
            try:
                cls = self._load(kind, entry)
            except ConnectException:
                continue
            for alias in getattr(cls, "aliases", ()):
                for name in (alias, *java_short_names(kind, alias)):
                    self._names[kind].setdefault(name, entry)
            if wanted in self._names[kind]:
                return

    def load(self, kind: PluginKind, name: str) -> type:
        """The class registered under `name`; UnknownPluginError if there is none."""
        name = name.strip()
        entry = self._names[kind].get(name)
        if entry is None:
            self._index_aliases(kind, name)
            entry = self._names[kind].get(name)
        if entry is None:
            known = sorted({e.alias for e in self._entries[kind]})
            label = kind.name.lower().replace("_", " ")
            raise UnknownPluginError(
                f"Failed to find any class that implements {label} '{name}'. Available: {', '.join(known) or 'none'}"
            )
        return self._load(kind, entry)

    def describe(self, kind: PluginKind) -> list[PluginDesc]:
        out = []
        for entry in self._entries[kind]:
            try:
                cls = self._load(kind, entry)
            except ConnectException:
                continue
            out.append(
                PluginDesc(
                    entry.python_name,
                    plugin_type(kind, cls),
                    plugin_version(cls),
                    (entry.alias, *getattr(cls, "aliases", ())),
                    cls,
                )
            )
        return sorted(out, key=lambda d: d.class_name)


_JAVA_SUFFIXES = {
    PluginKind.CONNECTOR: "Connector",
    PluginKind.CONVERTER: "Converter",
    PluginKind.HEADER_CONVERTER: "Converter",
}


def java_short_names(kind: PluginKind, alias: str) -> tuple[str, ...]:
    """The names Kafka Connect also accepts for a Java class name: its simple name and that name without its
    kind's suffix (`org.apache.kafka.connect.file.FileStreamSourceConnector` → `FileStreamSourceConnector`,
    `FileStreamSource`)."""
    if "." not in alias:
        return ()
    simple = alias.rsplit(".", 1)[1]
    suffix = _JAVA_SUFFIXES.get(kind, "")
    pruned = simple[: -len(suffix)] if suffix and simple.endswith(suffix) and simple != suffix else simple
    return tuple(dict.fromkeys((simple, pruned)))


def plugin_version(cls: type) -> str:
    """A plugin class's version (`Plugin.version`)."""
    return str(getattr(cls, "version", "0.1.0"))


def plugin_type(kind: PluginKind, cls: type) -> str:
    """The REST `type` of a plugin: source, sink, transformation, predicate, converter, header_converter."""
    if kind is PluginKind.CONNECTOR:
        from connect.spi import SinkConnector

        return "sink" if issubclass(cls, SinkConnector) else "source"
    return {
        PluginKind.TRANSFORMATION: "transformation",
        PluginKind.PREDICATE: "predicate",
        PluginKind.CONVERTER: "converter",
        PluginKind.HEADER_CONVERTER: "header_converter",
    }[kind]


_default: PluginRegistry | None = None


def default_registry() -> PluginRegistry:
    """The process-wide registry built from installed entry points."""
    global _default
    if _default is None:
        _default = PluginRegistry()
    return _default
