"""Worker configuration: the keys of worker.properties, overridable by CONNECT_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from connect.config import ConfigDef, Importance, NonNegative, Range, Type, ValidString

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
