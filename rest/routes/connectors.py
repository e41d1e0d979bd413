"""`/connectors`: create, read, reconfigure, pause/resume/stop/restart, topics and offsets of connectors."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Path, Query, Request, Response

from connect.errors import BadRequestException, NotFoundException
from connect.runtime.herder import TargetState
from rest.deps import HerderDep, errors, ok
from rest.errors import RestError
from rest.models import (
    ActiveTopics,
    ConfigPatch,
    ConfigScalar,
    ConnectorConfig,
    ConnectorExpansion,
    ConnectorInfo,
    ConnectorOffsets,
    ConnectorStatus,
    CreateConnectorRequest,
    InitialState,
    Message,
    TaskInfo,
    TaskState,
    as_string,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/connectors", tags=["connectors"])

ConnectorName = Annotated[str, Path(description="The connector's name.", examples=["gen"])]
TaskNumber = Annotated[int, Path(description="The task's number (0-based).", examples=[0])]

_INITIAL_STATES = {
    InitialState.RUNNING: TargetState.STARTED,
    InitialState.PAUSED: TargetState.PAUSED,
    InitialState.STOPPED: TargetState.STOPPED,
}


def _config_with_name(name: str, config: dict[str, ConfigScalar]) -> dict[str, str]:
    """The config as strings, its `name` filled in from the URL; a different `name` is a 400, as in Kafka Connect."""
    out = {key: as_string(value) for key, value in config.items()}
    included = out.get("name")
    if included is None:
        out["name"] = name
    elif included != name:
        raise BadRequestException(
            f"Connector name configuration ({included}) doesn't match connector name in the URL ({name})"
        )
    return out


_JAVA_WHITESPACE = "".join(map(chr, range(0x21)))


def _trimmed(name: str) -> str:
    """The name as Kafka Connect trims it (Java's `trim()`: every character up to U+0020 at either end)."""
    return name.strip(_JAVA_WHITESPACE)


def _location(request: Request, name: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/connectors/{quote(name, safe='')}"


def _topic_tracking(request: Request, reset: bool = False) -> None:
    config = request.app.state.worker_config
    if not config.topic_tracking_enable:
        raise RestError(403, "Topic tracking is disabled.")
    if reset and not config.topic_tracking_allow_reset:
        raise RestError(403, "Topic tracking reset is disabled.")


@router.get(
    "", summary="List the connectors", response_model=list[str] | dict[str, ConnectorExpansion], responses=errors(400)
)
def list_connectors(
    herder: HerderDep,
    expand: Annotated[
        list[str] | None,
        Query(description="`status` and/or `info` (repeatable): answer a map of name → the asked details."),
    ] = None,
) -> Any:
    names = herder.connectors()
    if expand is None:
        return ok(names)
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        try:
            details: dict[str, Any] = {}
            for kind in expand:
                if kind == "status":
                    details["status"] = herder.connector_status(name).to_json()
                elif kind == "info":
                    details["info"] = herder.connector_info(name).to_json()
                else:
                    log.info("ignoring unknown expansion %r", kind)
            out[name] = details
        except NotFoundException:
            continue  # deleted while we looked
    return ok(out)


@router.post(
    "", summary="Create a connector", status_code=201, response_model=ConnectorInfo, responses=errors(400, 409)
)
def create_connector(request: Request, herder: HerderDep, body: CreateConnectorRequest) -> Any:
    name = _trimmed(body.name)
    config = _config_with_name(name, body.config)
    initial = _INITIAL_STATES[body.initial_state] if body.initial_state else TargetState.STARTED
    _, info = herder.put_connector_config(name, config, allow_replace=False, initial_state=initial)
    return ok(info.to_json(), 201, {"Location": _location(request, name)})


@router.get(
    "/{connector}", summary="A connector's config, tasks and type", response_model=ConnectorInfo, responses=errors(404)
)
def get_connector(herder: HerderDep, connector: ConnectorName) -> Any:
    return ok(herder.connector_info(connector).to_json())


@router.delete(
    "/{connector}", summary="Delete a connector", status_code=204, response_class=Response, responses=errors(404)
)
def delete_connector(herder: HerderDep, connector: ConnectorName) -> Response:
    herder.delete_connector(connector)
    return Response(status_code=204)


@router.get(
    "/{connector}/config",
    summary="A connector's config (passwords masked)",
    response_model=dict[str, str | None],
    responses=errors(404),
)
def get_config(herder: HerderDep, connector: ConnectorName) -> Any:
    return ok(herder.connector_config(connector))


@router.put(
    "/{connector}/config",
    summary="Create or replace a connector's config",
    response_model=ConnectorInfo,
    responses={201: {"model": ConnectorInfo, "description": "Created"}, **errors(400, 409)},
)
def put_config(
    request: Request, herder: HerderDep, connector: ConnectorName, config: Annotated[ConnectorConfig, Body()]
) -> Any:
    created, info = herder.put_connector_config(connector, _config_with_name(connector, config), allow_replace=True)
    if created:
        return ok(info.to_json(), 201, {"Location": _location(request, connector)})
    return ok(info.to_json())


@router.patch(
    "/{connector}/config",
    summary="Change some keys of a connector's config (null removes a key)",
    response_model=ConnectorInfo,
    responses=errors(400, 404, 409),
)
def patch_config(herder: HerderDep, connector: ConnectorName, patch: Annotated[ConfigPatch, Body()]) -> Any:
    strings = {k: None if v is None else as_string(v) for k, v in patch.items()}
    if strings.get("name") not in (None, connector):
        raise BadRequestException(
            f"Connector name configuration ({strings['name']}) doesn't match connector name in the URL ({connector})"
        )
    strings.pop("name", None)
    return ok(herder.patch_connector_config(connector, strings).to_json())


@router.get(
    "/{connector}/status",
    summary="A connector's and its tasks' states",
    response_model=ConnectorStatus,
    responses=errors(404),
)
def get_status(herder: HerderDep, connector: ConnectorName) -> Any:
    return ok(herder.connector_status(connector).to_json())


@router.post(
    "/{connector}/restart",
    summary="Restart a connector (and, optionally, its tasks)",
    status_code=202,
    response_model=ConnectorStatus,
    responses={
        204: {"description": "Connector restarted (neither includeTasks nor onlyFailed)"},
        **errors(400, 404, 409),
    },
)
def restart_connector(
    herder: HerderDep,
    connector: ConnectorName,
    include_tasks: Annotated[bool, Query(alias="includeTasks", description="Also restart the tasks.")] = False,
    only_failed: Annotated[bool, Query(alias="onlyFailed", description="Only restart what has FAILED.")] = False,
) -> Any:
    status = herder.restart_connector(connector, include_tasks=include_tasks, only_failed=only_failed)
    if not include_tasks and not only_failed:
        return Response(status_code=204)  # Kafka Connect's backward-compatible answer
    return ok(status.to_json(), 202)


@router.put(
    "/{connector}/pause",
    summary="Pause a connector and its tasks",
    status_code=202,
    response_class=Response,
    responses=errors(404),
)
def pause_connector(herder: HerderDep, connector: ConnectorName) -> Response:
    herder.pause_connector(connector)
    return Response(status_code=202)


@router.put(
    "/{connector}/resume",
    summary="Resume a paused or stopped connector",
    status_code=202,
    response_class=Response,
    responses=errors(404),
)
def resume_connector(herder: HerderDep, connector: ConnectorName) -> Response:
    herder.resume_connector(connector)
    return Response(status_code=202)


@router.put(
    "/{connector}/stop",
    summary="Stop a connector: its tasks are shut down, its config kept",
    status_code=204,
    response_class=Response,
    responses=errors(404),
)
def stop_connector(herder: HerderDep, connector: ConnectorName) -> Response:
    herder.stop_connector(connector)
    return Response(status_code=204)


@router.get(
    "/{connector}/tasks",
    summary="A connector's tasks and their configs",
    response_model=list[TaskInfo],
    responses=errors(404),
)
def get_tasks(herder: HerderDep, connector: ConnectorName) -> Any:
    return ok([t.to_json() for t in herder.task_configs(connector)])


@router.get(
    "/{connector}/tasks/{task}/status", summary="One task's state", response_model=TaskState, responses=errors(404)
)
def get_task_status(herder: HerderDep, connector: ConnectorName, task: TaskNumber) -> Any:
    return ok(herder.task_status(connector, task).to_json())


@router.post(
    "/{connector}/tasks/{task}/restart",
    summary="Restart one task",
    status_code=204,
    response_class=Response,
    responses=errors(404, 409),
)
def restart_task(herder: HerderDep, connector: ConnectorName, task: TaskNumber) -> Response:
    herder.restart_task(connector, task)
    return Response(status_code=204)


@router.get(
    "/{connector}/topics",
    summary="Topics the connector has used since creation or the last reset",
    response_model=dict[str, ActiveTopics],
    responses=errors(403, 404),
)
def get_topics(request: Request, herder: HerderDep, connector: ConnectorName) -> Any:
    _topic_tracking(request)
    return ok({connector: {"topics": herder.connector_active_topics(connector)}})


@router.put(
    "/{connector}/topics/reset",
    summary="Forget the connector's active topics",
    status_code=202,
    response_class=Response,
    responses=errors(403, 404),
)
def reset_topics(request: Request, herder: HerderDep, connector: ConnectorName) -> Response:
    _topic_tracking(request, reset=True)
    herder.reset_connector_active_topics(connector)
    return Response(status_code=202)


@router.get(
    "/{connector}/offsets",
    summary="A connector's committed offsets",
    response_model=ConnectorOffsets,
    responses=errors(400, 404),
)
def get_offsets(herder: HerderDep, connector: ConnectorName) -> Any:
    return ok({"offsets": herder.connector_offsets(connector)})


@router.patch(
    "/{connector}/offsets",
    summary="Alter the offsets of a STOPPED connector",
    response_model=Message,
    responses=errors(400, 404, 409),
)
def alter_offsets(herder: HerderDep, connector: ConnectorName, body: ConnectorOffsets) -> Any:
    if not body.offsets:
        raise BadRequestException("Partitions / offsets need to be provided for an alter offsets request")
    offsets = [o.model_dump() for o in body.offsets]
    return ok({"message": herder.alter_connector_offsets(connector, offsets)})


@router.delete(
    "/{connector}/offsets",
    summary="Reset the offsets of a STOPPED connector",
    response_model=Message,
    responses=errors(400, 404, 409),
)
def reset_offsets(herder: HerderDep, connector: ConnectorName) -> Any:
    return ok({"message": herder.reset_connector_offsets(connector)})
