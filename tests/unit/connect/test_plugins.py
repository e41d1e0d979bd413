"""The plugin registry: registered names, Java aliases, and nothing else ever imported."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, ClassVar

import pytest

from connect.plugins import PluginKind, PluginRegistry, UnknownPluginError, _Entry, java_short_names
from connect.spi import Transformation


class Upper(Transformation):
    aliases: ClassVar[tuple[str, ...]] = ("org.example.transforms.Upper",)

    def apply(self, record: Any) -> Any:
        return record


class Lower(Transformation):
    aliases: ClassVar[tuple[str, ...]] = ("org.example.transforms.Lower",)

    def apply(self, record: Any) -> Any:
        return record


def counting_registry(loaded: list[str]) -> PluginRegistry:
    def loader(cls: type) -> Any:
        def load() -> type:
            loaded.append(cls.__name__)
            return cls

        return load

    entries = [_Entry(c.__name__, f"{__name__}:{c.__name__}", loader(c)) for c in (Lower, Upper)]
    return PluginRegistry({PluginKind.TRANSFORMATION: entries})


@pytest.mark.parametrize("name", ["Upper", f"{__name__}.Upper", "org.example.transforms.Upper"])
def test_a_plugin_is_found_by_its_alias_python_name_or_java_name(name):
    assert counting_registry([]).load(PluginKind.TRANSFORMATION, name) is Upper


def test_a_java_name_loads_the_plugin_it_names_first_not_every_plugin():
    loaded: list[str] = []
    counting_registry(loaded).load(PluginKind.TRANSFORMATION, "org.example.transforms.Upper")
    assert loaded == ["Upper"]


def test_an_alias_no_short_name_hints_at_is_still_found():
    loaded: list[str] = []
    registry = counting_registry(loaded)
    assert registry.load(PluginKind.TRANSFORMATION, "org.example.transforms.Lower") is Lower
    assert registry.load(PluginKind.TRANSFORMATION, "org.example.transforms.Upper") is Upper
    assert sorted(loaded) == ["Lower", "Upper"]  # each class loaded once


@pytest.mark.parametrize("name", ["os.system", "subprocess:Popen", "builtins.eval", "Missing"])
def test_a_name_that_is_not_registered_is_rejected_and_never_imported(name):
    with pytest.raises(UnknownPluginError, match="Available: Lower, Upper"):
        counting_registry([]).load(PluginKind.TRANSFORMATION, name)


def test_the_postgres_connector_by_its_debezium_name_imports_no_other_connector():
    # The worker's start-up path, in a fresh interpreter: no unrelated client library is imported for it.
    code = (
        "import sys; from connect.plugins import PluginKind, PluginRegistry; "
        "c = PluginRegistry().load(PluginKind.CONNECTOR, 'io.debezium.connector.postgresql.PostgresConnector'); "
        "print(c.__name__, sorted(m for m in ('elasticsearch', 'redis', 'connectors.elasticsearch', "
        "'connectors.redis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["PostgresConnector", "[]"]


@pytest.mark.parametrize(
    "name",
    [
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "FileStreamSourceConnector",
        "FileStreamSource",
    ],
)
def test_kafka_connect_short_names_of_a_java_alias(name):
    from connectors.file.connector import FileSourceConnector

    assert PluginRegistry().load(PluginKind.CONNECTOR, name) is FileSourceConnector


def test_java_short_names():
    assert java_short_names(PluginKind.CONVERTER, "org.x.JsonConverter") == ("JsonConverter", "Json")
    assert java_short_names(PluginKind.TRANSFORMATION, "org.x.Cast$Key") == ("Cast$Key",)
    assert java_short_names(PluginKind.CONNECTOR, "file") == ()
