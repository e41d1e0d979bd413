"""`/admin/loggers`: read and change log levels at runtime, as Kafka Connect's LoggingResource."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from connect.errors import BadRequestException, NotFoundException
from rest.deps import errors, ok
from rest.loggers import LoggerLevels, parse_level
from rest.models import LoggerLevel, LoggerLevelRequest

router = APIRouter(prefix="/admin/loggers", tags=["admin"])

LoggerName = Annotated[
    str, Path(description="A logger name (dotted, e.g. `connect.runtime`), or `root`.", examples=["root"])
]


def _levels(request: Request) -> LoggerLevels:
    return request.app.state.logger_levels  # type: ignore[no-any-return]


@router.get(
    "",
    summary="Loggers whose level is set explicitly, and the root logger",
    response_model=dict[str, LoggerLevel],
    responses=errors(),
)
def list_loggers(request: Request) -> Any:
    return ok(_levels(request).all())


@router.get(
    "/{logger}",
    summary="A logger's level (its effective level when not set explicitly)",
    response_model=LoggerLevel,
    responses=errors(404),
)
def get_logger(request: Request, logger: LoggerName) -> Any:
    level = _levels(request).get(logger)
    if level is None:
        raise NotFoundException(f"Logger {logger} not found.")
    return ok(level)


@router.put(
    "/{logger}",
    summary="Set the level of a logger and every logger below it",
    response_model=list[str],
    responses={204: {"description": "Applied (scope=cluster)"}, **errors(400, 404)},
)
def set_level(
    request: Request,
    logger: LoggerName,
    body: LoggerLevelRequest,
    scope: Annotated[
        str, Query(description="`worker` (default) or `cluster`; a standalone worker is its own cluster.")
    ] = "worker",
) -> Any:
    if body.level is None:
        raise BadRequestException("Desired 'level' parameter was not specified in request.")
    level = parse_level(body.level)
    if level is None:
        raise NotFoundException(f"invalid log level '{body.level}'.")  # Kafka Connect answers 404 here
    affected = _levels(request).set(logger, level)
    if scope.lower() == "cluster":
        return Response(status_code=204)
    return ok(affected)
