"""`GET /` (worker version), `GET /health` (readiness, with a connector/task summary) and `GET /metrics`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from rest.deps import HerderDep, errors, ok
from rest.models import ServerInfo, WorkerHealth

log = logging.getLogger(__name__)

router = APIRouter(tags=["worker"])

_STATUS_CODES = {"healthy": 200, "degraded": 200, "starting": 503}  # degraded: a task waits out an outage


@router.get(
    "/", summary="The worker's version and the Kafka cluster it uses", response_model=ServerInfo, responses=errors()
)
def server_info(herder: HerderDep) -> Any:
    info = herder.worker_info()
    return ok({"version": info.version, "commit": info.commit, "kafka_cluster_id": info.kafka_cluster_id})


@router.get(
    "/health",
    summary="Whether the worker is up, with connectors and tasks counted per state",
    response_model=WorkerHealth,
    responses={
        503: {"model": WorkerHealth, "description": "Still starting"},
        500: {"model": WorkerHealth, "description": "Unhealthy"},
    },
)
def health(herder: HerderDep) -> Any:
    try:
        report = herder.health()
    except Exception:
        log.exception("health check failed")
        return ok(
            {
                "status": "unhealthy",
                "message": "Worker was unable to handle this request and may be unable to handle other requests.",
            },
            500,
        )
    return ok(report, _STATUS_CODES.get(str(report.get("status")), 500))


@router.get(
    "/metrics",
    summary="Prometheus metrics of the worker, its connectors and tasks",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text exposition format"}},
)
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
