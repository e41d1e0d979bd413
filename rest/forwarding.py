"""Requests another worker of the cluster must serve are forwarded to it, as Kafka Connect's REST layer does.

The herder raises NotLeaderException (writes: only the leader changes configs) or
NotAssignedException (a task restart: only its owner) with the URL of the worker that can
serve; this handler replays the request there and answers with that worker's response,
status, body and all - after a write, once this worker has read it back from the config
topic, so a client reads its own writes on the worker it talks to. The first worker adds
`forward=true` (one more hop allowed, e.g. the leader on to a task's owner), the next
`forward=false`; a request that would need a third hop, or arrives before any leader is
known, gets Kafka Connect's 409.
"""

from __future__ import annotations

import logging

import httpx
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from connect.errors import RequestTargetException
from rest.errors import error_response

log = logging.getLogger(__name__)

FORWARD_TIMEOUT = 90.0  # Kafka Connect's REST request timeout
_PASSED_HEADERS = frozenset(
    ("content-type", "authorization", "accept", "x-connect-authorization", "x-connect-request-signature-algorithm")
)


async def _forward(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestTargetException)
    forward = request.query_params.get("forward")
    if forward is not None and forward.lower() == "false":
        log.error("%s %s: no worker could serve it within two hops", request.method, request.url.path)
        return error_response(409, "Cannot complete request because of a conflicting operation (e.g. worker rebalance)")
    if exc.url is None:
        return error_response(
            409,
            "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.",
        )
    params: list[tuple[str, str | int | float | bool | None]] = [
        (k, v) for k, v in request.query_params.multi_items() if k != "forward"
    ]
    params.append(("forward", "true" if forward is None else "false"))
    target = exc.url.rstrip("/") + request.url.path
    headers = {k: v for k, v in request.headers.items() if k.lower() in _PASSED_HEADERS}
    body = await request.body()
    log.debug("forwarding %s %s to %s", request.method, request.url.path, target)
    try:
        async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT) as client:  # one per hop: listeners run their own loops
            answer = await client.request(request.method, target, params=params, content=body, headers=headers)
    except httpx.HTTPError as error:
        return error_response(500, f"IO Error trying to forward REST request: {error}")
    if request.method != "GET" and answer.status_code < 300:  # a write: read it back here before answering
        await run_in_threadpool(request.app.state.herder.refresh)
    kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "location")}
    return Response(answer.content, status_code=answer.status_code, headers=kept)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestTargetException, _forward)
