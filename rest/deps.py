"""What every route needs: the herder, and Kafka Connect's error responses for the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from connect.runtime.herder import Herder
from rest.models import ErrorMessage


def _herder(request: Request) -> Herder:
    return request.app.state.herder  # type: ignore[no-any-return]


HerderDep = Annotated[Herder, Depends(_herder)]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the error codes an endpoint answers with."""
    described = {
        400: "Invalid request",
        403: "Forbidden by the worker configuration",
        404: "Not found",
        409: "Conflict",
        500: "Unexpected failure",
    }
    return {code: {"model": ErrorMessage, "description": described[code]} for code in (*codes, 500)}


def ok(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON response returned as is (the herder's shapes are already Kafka Connect's)."""
    return JSONResponse(content, status_code=status, headers=headers)
