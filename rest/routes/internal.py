"""Requests between the workers of a cluster, as Kafka Connect's: a connector's owner hands the leader its
task configs; an exactly-once source task asks the leader to fence its predecessors. Signed with the
leader's session key when the cluster runs the `sessioned` protocol; a standalone worker refuses them."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.concurrency import run_in_threadpool

from connect.runtime.herder import InternalRequestSignature
from rest.deps import HerderDep, errors
from rest.routes.connectors import ConnectorName

router = APIRouter(prefix="/connectors", tags=["internal"])

SIGNATURE_HEADER = "X-Connect-Authorization"
ALGORITHM_HEADER = "X-Connect-Request-Signature-Algorithm"


async def _signature(request: Request) -> InternalRequestSignature | None:
    signature, algorithm = request.headers.get(SIGNATURE_HEADER), request.headers.get(ALGORITHM_HEADER)
    if signature is None or algorithm is None:
        return None
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    return InternalRequestSignature(algorithm, raw, await request.body())


@router.post(
    "/{connector}/tasks",
    summary="Internal: new task configs, from the connector's owner to the leader",
    status_code=204,
    response_class=Response,
    responses=errors(400, 403, 404, 409),
)
async def put_task_configs(
    request: Request,
    herder: HerderDep,
    connector: ConnectorName,
    configs: Annotated[list[dict[str, str | None]], Body(description="One config per task, in task order.")],
) -> Response:
    signature = await _signature(request)
    task_configs: list[dict[str, Any]] = [dict(c) for c in configs]
    await run_in_threadpool(herder.put_task_configs, connector, task_configs, signature)
    return Response(status_code=204)


@router.put(
    "/{connector}/fence",
    summary="Internal: fence the producers of the connector's former tasks (exactly-once source)",
    status_code=204,
    response_class=Response,
    responses=errors(400, 403, 404, 409),
)
async def fence_zombies(request: Request, herder: HerderDep, connector: ConnectorName) -> Response:
    signature = await _signature(request)
    await run_in_threadpool(herder.fence_zombies, connector, signature)
    return Response(status_code=204)
