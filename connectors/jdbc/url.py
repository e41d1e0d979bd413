"""`connection.url`: JDBC URLs (`jdbc:postgresql://`, `jdbc:mariadb://`, `jdbc:mysql://`) and plain driver URLs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl, unquote, urlsplit

from connect.errors import ConfigException


class Kind(StrEnum):
    POSTGRES = "postgresql"
    MARIADB = "mariadb"  # MariaDB and MySQL share the dialect


_SCHEMES = {
    "postgresql": Kind.POSTGRES,
    "postgres": Kind.POSTGRES,
    "pgsql": Kind.POSTGRES,
    "mariadb": Kind.MARIADB,
    "mysql": Kind.MARIADB,
}
_DEFAULT_PORTS = {Kind.POSTGRES: 5432, Kind.MARIADB: 3306}


@dataclass(frozen=True, slots=True)
class ConnectionUrl:
    """What a connection URL names: the database kind, where it is, and its query parameters."""

    kind: Kind
    hosts: tuple[tuple[str, int], ...]
    database: str
    user: str | None = None
    password: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """Host:port/database for messages (never the password)."""
        return ",".join(f"{h}:{p}" for h, p in self.hosts) + f"/{self.database}"


def parse_url(name: str, raw: str) -> ConnectionUrl:
    """Parse a URL or raise ConfigException naming the key and what is wrong."""
    text = raw.strip()
    if text.lower().startswith("jdbc:"):
        text = text[5:]
    scheme, sep, rest = text.partition("://")
    kind = _SCHEMES.get(scheme.lower()) if sep else None
    if kind is None:
        raise ConfigException(
            name, raw, "expected jdbc:postgresql://host:port/database, jdbc:mariadb://... or jdbc:mysql://..."
        )
    authority, _, path_query = rest.partition("/")
    database, _, query = path_query.partition("?")
    if "?" in authority:  # jdbc:postgresql://host?user=x has no database
        authority, _, query = authority.partition("?")
    user = password = None
    if "@" in authority:
        credentials, _, authority = authority.rpartition("@")
        user, _, pw = credentials.partition(":")
        user, password = unquote(user) or None, unquote(pw) if pw else None
    hosts = tuple(_host(name, raw, h, _DEFAULT_PORTS[kind]) for h in authority.split(",") if h) or (
        ("localhost", _DEFAULT_PORTS[kind]),
    )
    params = dict(parse_qsl(query, keep_blank_values=True))
    user = params.pop("user", None) or user
    password = params.pop("password", None) or password
    database = unquote(database.strip("/"))
    if not database:
        raise ConfigException(name, raw, "the URL names no database (…://host:port/<database>)")
    return ConnectionUrl(kind, hosts, database, user, password, params)


def _host(name: str, raw: str, part: str, default_port: int) -> tuple[str, int]:
    try:
        parsed = urlsplit("//" + part)
        return parsed.hostname or "localhost", parsed.port or default_port
    except ValueError as exc:
        raise ConfigException(name, raw, f"bad host {part!r}: {exc}") from None
