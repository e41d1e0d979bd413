"""Exceptions → Kafka Connect's error body `{"error_code": N, "message": "..."}` with its status codes."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from connect.errors import (
    AlreadyExistsException,
    BadRequestException,
    ConfigException,
    ConnectException,
    ForbiddenException,
    NotFoundException,
    RebalanceNeededException,
)
from connect.secrets import mask_text

log = logging.getLogger(__name__)


class RestError(Exception):
    """An error the REST layer itself answers with a given status (e.g. 403 when topic tracking is off)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Kafka Connect's error body; the message masked, as it may quote a config value or an exception."""
    return JSONResponse({"error_code": status, "message": mask_text(message)}, status_code=status, headers=headers)


def status_of(exc: ConnectException) -> int:
    if isinstance(exc, NotFoundException):
        return 404
    if isinstance(exc, AlreadyExistsException | RebalanceNeededException):
        return 409
    if isinstance(exc, BadRequestException | ConfigException):
        return 400
    if isinstance(exc, ForbiddenException):
        return 403
    return 500


_SCALAR_TAGS = frozenset({"str", "int", "float", "bool"})


def _location(loc: tuple[Any, ...]) -> str:
    # ("body", "config", "tasks.max") → "config.tasks.max"; ("query", "includeTasks") → "includeTasks"
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or "request body"


def validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        msg = err.get("msg", "invalid")
        if len(loc) > 2 and loc[-1] in _SCALAR_TAGS:
            # one error per member of the config-value union: report the value once
            loc, msg = loc[:-1], "expected a string, number or boolean"
        where = _location(loc)
        kind = err.get("type", "")
        if loc == ("body",):
            problems.append(
                "missing request body: expected a JSON object"
                if kind == "missing"
                else f"request body: {err.get('msg', 'invalid')}"
            )
        elif kind == "missing":
            problems.append(f"missing required field '{where}'")
        elif kind == "json_invalid":
            problems.append("request body is not valid JSON")
        else:
            problems.append(f"invalid value for '{where}': {msg}")
    return "; ".join(dict.fromkeys(problems)) or "invalid request"


async def _on_connect_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConnectException)
    status = status_of(exc)
    if isinstance(exc, RebalanceNeededException):
        return error_response(
            status,
            "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent "
            "config change)",
        )
    if status == 500:
        log.error("REST %s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(status, str(exc) or type(exc).__name__)


async def _on_rest_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RestError)
    return error_response(exc.status, exc.message)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # A path segment that does not parse (e.g. a task id that is not a number) names no resource: 404, as
    # Kafka Connect's JAX-RS answers; bad bodies and query parameters are 400.
    in_path = all(tuple(err.get("loc", ()))[:1] == ("path",) for err in exc.errors())
    status = 404 if in_path and exc.errors() else 400
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    about_body = any(tuple(err.get("loc", ()))[:1] == ("body",) for err in exc.errors())
    if about_body and content_type and content_type != "application/json" and not content_type.endswith("+json"):
        return error_response(415, f"HTTP 415 Unsupported Media Type: expected application/json, got {content_type}")
    return error_response(status, validation_message(exc))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"HTTP 404 Not Found: no resource at {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        message = f"HTTP 405 Method Not Allowed: {request.method} {request.url.path}"
        headers["Allow"] = ", ".join(_allowed_methods(request.app, request.url.path)) or headers.get("Allow", "")
    return error_response(exc.status_code, message, headers=headers)


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method of every route matching `path` (Starlette's own Allow names only the first route's)."""
    table: list[tuple[re.Pattern[str], list[str]]] | None = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"),
                [m.upper() for m in operations],
            )
            for template, operations in app.openapi()["paths"].items()
        ]
        app.state.allowed_methods = table
    allowed = {m for pattern, methods in table if pattern.match(path) for m in methods}
    return sorted(allowed | {"HEAD"} if "GET" in allowed else allowed)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("REST %s %s failed unexpectedly", request.method, request.url.path, exc_info=exc)
    return error_response(500, "Internal server error; see the worker log for details.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ConnectException, _on_connect_error)
    app.add_exception_handler(RestError, _on_rest_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
