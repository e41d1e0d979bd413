"""The FastAPI application: Kafka Connect's REST resources over a herder, with errors, auth and OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from connect.runtime.herder import Herder
from connect.runtime.worker_config import WorkerConfig
from connect.secrets import install_log_masking
from rest import errors, forwarding
from rest.auth import OPEN_PATHS, AuthMiddleware, Credentials
from rest.loggers import LoggerLevels
from rest.middleware import BodyLimit, HeadAsGet
from rest.routes import admin, connectors, health, internal, plugins

DESCRIPTION = (
    "The Kafka Connect REST API: same paths, JSON shapes, status codes and error body "
    '`{"error_code": N, "message": "..."}`, so existing Kafka Connect clients work unchanged.'
)


def create_app(herder: Herder, config: WorkerConfig | None = None) -> FastAPI:
    """The REST app serving `herder`; the worker config (defaults when None) sets auth, limits and topic tracking."""
    install_log_masking()
    config = config or WorkerConfig.parse({})
    credentials = Credentials.from_worker_config(config)
    max_body = config.rest_request_max_bytes
    version = _version(herder)
    app = FastAPI(
        title="sluice Connect REST API", version=version, description=DESCRIPTION, docs_url="/docs", redoc_url=None
    )
    app.state.herder = herder
    app.state.worker_config = config
    app.state.logger_levels = LoggerLevels()
    for module in (health, connectors, internal, plugins, admin):
        app.include_router(module.router)
    errors.install(app)
    forwarding.install(app)
    # Added innermost first: HEAD is rewritten before auth, which refuses before any body is read.
    app.add_middleware(BodyLimit, max_bytes=max_body)
    if credentials.enabled:
        app.add_middleware(AuthMiddleware, credentials=credentials)
    app.add_middleware(HeadAsGet)
    app.openapi = lambda: _openapi(app, credentials)  # type: ignore[method-assign]
    return app


def _version(herder: Herder) -> str:
    try:
        return herder.worker_info().version
    except Exception:
        return "unknown"


def _openapi(app: FastAPI, credentials: Credentials) -> dict[str, Any]:
    """FastAPI's document, corrected: validation errors are 400 `ErrorMessage`s (not 422), a body that is not
    JSON is 415, auth is declared."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    error_ref = {"$ref": "#/components/schemas/ErrorMessage"}
    error_content = {"application/json": {"schema": error_ref}}
    if credentials.enabled:
        components["securitySchemes"] = {}
        if credentials.users:
            components["securitySchemes"]["basic"] = {"type": "http", "scheme": "basic"}
        if credentials.tokens:
            components["securitySchemes"]["bearer"] = {"type": "http", "scheme": "bearer"}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", {"description": "Invalid request", "content": error_content})
            if "requestBody" in operation:
                responses["415"] = {"description": "The body is not JSON", "content": error_content}
            if credentials.enabled and path not in OPEN_PATHS:
                operation["security"] = [{name: []} for name in components["securitySchemes"]]
                responses["401"] = {"description": "Missing or invalid credentials", "content": error_content}
    app.openapi_schema = schema
    return schema
