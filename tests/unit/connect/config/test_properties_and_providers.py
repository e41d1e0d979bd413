"""Java-properties parsing and ${env:}/${file:} config providers."""

import pytest

from connect.config.properties import parse_properties
from connect.config.providers import resolve
from connect.errors import ConfigException


def test_properties_syntax():
    text = "# comment\n! also\na=1\nb : two\nc three\nd=multi \\\n   line\ne=x\\=y\\tz\n\n"
    assert parse_properties(text) == {"a": "1", "b": "two", "c": "three", "d": "multi line", "e": "x=y\tz"}


def test_env_and_file_providers(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.properties"
    secrets.write_text("db.password=hunter2\n")
    monkeypatch.setenv("DB_USER", "alice")
    resolved = resolve({"user": "${env:DB_USER}", "password": f"${{file:{secrets}:db.password}}", "plain": "x"})
    assert resolved == {"user": "alice", "password": "hunter2", "plain": "x"}


def test_missing_reference_names_the_key(tmp_path):
    with pytest.raises(ConfigException) as info:
        resolve({"database.password": "${env:SURELY_NOT_SET_123}"})
    assert info.value.name == "database.password"
    with pytest.raises(ConfigException, match="no key nope"):
        (tmp_path / "p").write_text("a=1")
        resolve({"k": "${file:%s:nope}" % (tmp_path / "p")})


def test_a_reference_to_an_unknown_provider_is_refused_and_templates_are_left_alone():
    with pytest.raises(ConfigException, match="unknown config provider 'vault'"):
        resolve({"db.password": "${vault:secret/db:password}"})
    assert resolve({"topic.format": "${topic}-${timestamp}"}) == {"topic.format": "${topic}-${timestamp}"}
