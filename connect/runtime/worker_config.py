"""Worker configuration: the keys of worker.properties (overridable by CONNECT_* variables), parsed once.

`WorkerConfig.parse(props)` is the one place worker keys are read: the herder, the Worker and
the REST server get the typed object.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connect.config import ConfigDef, Importance, NonNegative, Range, Type, ValidString
from connect.config.definition import Password

WORKER_CONFIG = (
    ConfigDef()
    .define(
        "bootstrap.servers",
        Type.LIST,
        "localhost:9092",
        Importance.HIGH,
        "Kafka brokers to connect to, host:port pairs.",
        group="Common",
    )
    .define(
        "key.converter",
        Type.CLASS,
        "JsonConverter",
        Importance.HIGH,
        "Converter for record keys, by alias or class name; `key.converter.*` keys configure it.",
        group="Common",
    )
    .define(
        "value.converter",
        Type.CLASS,
        "JsonConverter",
        Importance.HIGH,
        "Converter for record values; `value.converter.*` keys configure it.",
        group="Common",
    )
    .define(
        "header.converter",
        Type.CLASS,
        "SimpleHeaderConverter",
        Importance.LOW,
        "Converter for header values; `header.converter.*` keys configure it.",
        group="Common",
    )
    .define(
        "offset.storage.file.filename",
        Type.STRING,
        None,
        Importance.HIGH,
        "Standalone mode: file that stores source connector offsets. Without it offsets live in memory "
        "and are lost at restart.",
        group="Offsets",
    )
    .define(
        "config.storage.file.filename",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "Standalone mode: file that stores connector configs, task configs and target states (Kafka "
        "Connect's config-topic records as JSON), so connectors created through the REST API run again after "
        "a restart. Without it they live in memory; connector files given on the command line replace "
        "stored configs of the same name.",
        group="Storage",
    )
    .define(
        "status.storage.file.filename",
        Type.STRING,
        None,
        Importance.LOW,
        "Standalone mode: file that keeps the last known status of every connector and task, and the topics "
        "they used (Kafka Connect's status-topic records as JSON). Without it statuses live in memory.",
        group="Storage",
    )
    .define(
        "offset.flush.interval.ms",
        Type.LONG,
        60_000,
        Importance.LOW,
        "How often source offsets (and sink consumer offsets) are committed.",
        validator=Range.at_least(1),
        group="Offsets",
    )
    .define(
        "offset.flush.timeout.ms",
        Type.LONG,
        5_000,
        Importance.LOW,
        "How long to wait for in-flight records to be acknowledged before an offset flush gives up and "
        "retries at the next interval.",
        validator=Range.at_least(1),
        group="Offsets",
    )
    .define(
        "task.shutdown.graceful.timeout.ms",
        Type.LONG,
        5_000,
        Importance.LOW,
        "How long a stopping task may take to flush before it is abandoned.",
        validator=NonNegative,
        group="Common",
    )
    .define(
        "listeners",
        Type.LIST,
        "http://0.0.0.0:8083",
        Importance.LOW,
        "REST listeners, e.g. `http://0.0.0.0:8083,https://0.0.0.0:8443`.",
        group="REST",
    )
    .define("rest.advertised.listener", Type.STRING, None, Importance.LOW, "Advertised protocol.", group="REST")
    .define("rest.advertised.host.name", Type.STRING, None, Importance.LOW, "Advertised host name.", group="REST")
    .define("rest.advertised.port", Type.INT, None, Importance.LOW, "Advertised port.", group="REST")
    .define(
        "rest.auth.basic.users",
        Type.PASSWORD,
        None,
        Importance.MEDIUM,
        "HTTP basic users of the REST API, `user:password` pairs separated by commas (config providers "
        "allowed). Setting this or `rest.auth.bearer.tokens` turns authentication on; `/health` stays open.",
        group="REST",
    )
    .define(
        "rest.auth.bearer.tokens",
        Type.PASSWORD,
        None,
        Importance.MEDIUM,
        "Bearer tokens accepted by the REST API, separated by commas.",
        group="REST",
    )
    .define(
        "listeners.https.ssl.certfile",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "PEM certificate chain of an https listener.",
        group="REST",
    )
    .define(
        "listeners.https.ssl.keyfile",
        Type.STRING,
        None,
        Importance.MEDIUM,
        "PEM private key of an https listener.",
        group="REST",
    )
    .define(
        "listeners.https.ssl.key.password",
        Type.PASSWORD,
        None,
        Importance.LOW,
        "Password of an encrypted private key.",
        group="REST",
    )
    .define(
        "listeners.https.ssl.cafile",
        Type.STRING,
        None,
        Importance.LOW,
        "PEM CA bundle used to verify client certificates.",
        group="REST",
    )
    .define(
        "listeners.https.ssl.client.auth",
        Type.STRING,
        "none",
        Importance.LOW,
        "Client certificate authentication: none, requested or required.",
        validator=ValidString.in_("none", "requested", "required"),
        group="REST",
    )
    .define(
        "rest.request.max.bytes",
        Type.INT,
        1 << 20,
        Importance.LOW,
        "Largest request body the REST API accepts; a larger one is refused with 413 before it is read whole.",
        validator=Range.at_least(1024),
        group="REST",
    )
    .define(
        "topic.tracking.enable",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Track the topics each connector uses (GET /connectors/{name}/topics).",
        group="REST",
    )
    .define(
        "topic.tracking.allow.reset",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Allow PUT /connectors/{name}/topics/reset.",
        group="REST",
    )
    .define(
        "client.id.prefix",
        Type.STRING,
        "connect",
        Importance.LOW,
        "Prefix of the client.id of producers and consumers made by the worker.",
        group="Common",
    )
    .define(
        "connector.client.config.override.policy",
        Type.STRING,
        "All",
        Importance.MEDIUM,
        "Which `producer.override.*`/`consumer.override.*` connector keys are allowed: All or None.",
        group="Common",
    )
    .define(
        "metrics.enabled",
        Type.BOOLEAN,
        True,
        Importance.LOW,
        "Record Prometheus metrics (served at GET /metrics).",
        group="Metrics",
    )
)


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`CONNECT_BOOTSTRAP_SERVERS=x` → `bootstrap.servers=x` (the Confluent image convention)."""
    env = os.environ if environ is None else environ
    out = {}
    for name, value in env.items():
        if name.startswith("CONNECT_") and len(name) > 8:
            out[name[8:].lower().replace("__", "-").replace("_", ".")] = value
    return out


def prefixed(props: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The props under `prefix`, with the prefix stripped."""
    n = len(prefix)
    return {k[n:]: v for k, v in props.items() if k.startswith(prefix)}


@dataclass(frozen=True, slots=True)
class PluginSettings:
    """A configured plugin: its class name and its `<key>.*` settings (prefix stripped, references as written)."""

    class_name: str
    settings: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """An https listener's PEM files (`listeners.https.ssl.*`, else the same `ssl.*` key)."""

    certfile: str | None
    keyfile: str | None
    key_password: Password | None
    cafile: str | None
    client_auth: str | None


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """The worker's settings, typed; `originals` keeps the properties as given."""

    bootstrap_servers: str
    key_converter: PluginSettings
    value_converter: PluginSettings
    header_converter: PluginSettings
    offset_storage_file: str | None
    config_storage_file: str | None
    status_storage_file: str | None
    offset_flush_interval_ms: int
    offset_flush_timeout_ms: int
    task_shutdown_graceful_timeout_ms: int
    listeners: tuple[str, ...]
    rest_advertised_listener: str | None
    rest_advertised_host_name: str | None
    rest_advertised_port: int | None
    rest_auth_basic_users: Password | None
    rest_auth_bearer_tokens: Password | None
    rest_request_max_bytes: int
    tls: TlsSettings
    topic_tracking_enable: bool
    topic_tracking_allow_reset: bool
    client_id_prefix: str
    client_overrides_allowed: bool
    producer: Mapping[str, Any]  # `producer.*`, `consumer.*`, `admin.*`: settings of the clients the worker makes
    consumer: Mapping[str, Any]
    admin: Mapping[str, Any]
    originals: Mapping[str, Any]

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> WorkerConfig:
        """Parse and validate; ConfigException names the first bad key."""
        p = WORKER_CONFIG.parse(props)

        def plugin(key: str) -> PluginSettings:
            return PluginSettings(p[key], prefixed(props, key + "."))

        def tls(key: str) -> Any:
            """`listeners.https.<key>` when given, else `<key>` when given, else the declared default (as written:
            the REST server resolves provider references)."""
            value = (
                props[key] if key in props and f"listeners.https.{key}" not in props else p[f"listeners.https.{key}"]
            )
            return None if value in (None, "") else value

        # An empty `listeners` means the declared default, as before it was declared.
        listeners = [item for item in p["listeners"] if item] or WORKER_CONFIG.parse({})["listeners"]
        key_password = tls("ssl.key.password")

        return cls(
            bootstrap_servers=",".join(p["bootstrap.servers"]),
            key_converter=plugin("key.converter"),
            value_converter=plugin("value.converter"),
            header_converter=plugin("header.converter"),
            offset_storage_file=p["offset.storage.file.filename"] or None,
            config_storage_file=p["config.storage.file.filename"] or None,
            status_storage_file=p["status.storage.file.filename"] or None,
            offset_flush_interval_ms=p["offset.flush.interval.ms"],
            offset_flush_timeout_ms=p["offset.flush.timeout.ms"],
            task_shutdown_graceful_timeout_ms=p["task.shutdown.graceful.timeout.ms"],
            listeners=tuple(listeners),
            rest_advertised_listener=p["rest.advertised.listener"] or None,
            rest_advertised_host_name=p["rest.advertised.host.name"] or None,
            rest_advertised_port=p["rest.advertised.port"],
            rest_auth_basic_users=p["rest.auth.basic.users"] or None,
            rest_auth_bearer_tokens=p["rest.auth.bearer.tokens"] or None,
            rest_request_max_bytes=p["rest.request.max.bytes"],
            tls=TlsSettings(
                tls("ssl.certfile"),
                tls("ssl.keyfile"),
                None if key_password is None else Password(key_password),
                tls("ssl.cafile"),
                tls("ssl.client.auth"),
            ),
            topic_tracking_enable=p["topic.tracking.enable"],
            topic_tracking_allow_reset=p["topic.tracking.allow.reset"],
            client_id_prefix=p["client.id.prefix"],
            client_overrides_allowed=p["connector.client.config.override.policy"].lower() != "none",
            producer=prefixed(props, "producer."),
            consumer=prefixed(props, "consumer."),
            admin=prefixed(props, "admin."),
            originals=dict(props),
        )

    @property
    def worker_id(self) -> str:
        """`<host>:<port of the first listener>`, as Kafka Connect names a standalone worker."""
        return f"{socket.gethostname()}:{self.listeners[0].rsplit(':', 1)[-1]}"
