"""`/connector-plugins`: installed plugins, their config definitions, and config validation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from connect.errors import BadRequestException
from rest.deps import HerderDep, errors, ok
from rest.models import ConfigInfos, ConfigKeyInfo, ConnectorConfig, PluginInfo, as_string

router = APIRouter(prefix="/connector-plugins", tags=["connector-plugins"])

PluginName = Annotated[
    str, Path(description="Alias, Python name or Kafka Connect class name of the plugin.", examples=["datagen"])
]


def _normalized(plugin: str) -> str:
    """Kafka Connect's comparison: `FileStreamSinkConnector` and `FileStreamSink` name the same plugin."""
    return plugin[: -len("Connector")] if plugin.endswith("Connector") and len(plugin) > len("Connector") else plugin


@router.get("", summary="Installed plugins", response_model=list[PluginInfo], responses=errors(400))
def list_plugins(
    herder: HerderDep,
    connectors_only: Annotated[
        bool, Query(alias="connectorsOnly", description="false also lists transforms, predicates and converters.")
    ] = True,
) -> Any:
    return ok([p.to_json() for p in herder.connector_plugins(connectors_only)])


@router.get(
    "/{plugin}/config",
    summary="A plugin's config definition",
    response_model=list[ConfigKeyInfo],
    responses=errors(400, 404),
)
def plugin_config(
    herder: HerderDep,
    plugin: PluginName,
    version: Annotated[
        str,
        Query(description="`latest`, a version (exactly it) or a Maven range such as `[1.0,2.0)`."),
    ] = "latest",
) -> Any:
    return ok(herder.plugin_config(plugin, version))


@router.put(
    "/{plugin}/config/validate",
    summary="Validate a connector config against the plugin's definition",
    response_model=ConfigInfos,
    responses=errors(400),
)
def validate_config(herder: HerderDep, plugin: PluginName, config: Annotated[ConnectorConfig, Body()]) -> Any:
    strings = {k: as_string(v) for k, v in config.items()}
    included = strings.get("connector.class")
    if included is None:  # Kafka Connect answers 500 here; it is the request that is wrong
        raise BadRequestException(
            "The config to validate has no 'connector.class': name the connector plugin in it "
            f'(e.g. "connector.class": "{plugin}")'
        )
    infos = herder.validate_connector_config(strings)
    if not _normalized(included).endswith(_normalized(plugin)):
        # Aliases and Python names differ in text; compare the classes the herder resolved both to.
        requested = herder.validate_connector_config({"connector.class": plugin})["name"]
        if requested != infos["name"]:
            raise BadRequestException(f"Included connector type {included} does not match request type {plugin}")
    return ok(infos)
