"""The OpenAPI document says what the API does: one error model on every error a route can answer.

FastAPI documents only `422` (as `{"detail": ...}`, which is not what the handlers send). Here
every operation gets the error responses its shape implies, all with the body the handlers in
`cognify.app` really send: `{"error": {"code", "message", "details"?}}`.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

ERROR_REF = "#/components/schemas/ErrorResponse"
DESCRIPTIONS = {
    400: "The request cannot be carried out as asked",
    401: "Missing, invalid or expired credentials",
    403: "Authenticated, but not allowed",
    404: "No such object in the caller's tenant",
    409: "The change conflicts with existing data or state",
    410: "The link has expired",
    413: "The request body is too large",
    415: "Unsupported media type",
    422: "Input failed validation",
    429: "Too many requests; `Retry-After` says when to try again",
    500: "Internal server error",
    502: "The upstream model provider failed",
    503: "No model deployment or dependency is available",
    504: "The upstream model provider timed out",
}


class ErrorBody(BaseModel):
    """What went wrong, in a stable machine code and a human message."""

    code: str = Field(description="Stable machine-readable code, e.g. `not_found`")
    message: str = Field(description="Human-readable explanation")
    details: Any | None = Field(default=None, description="Per-field problems or other context")


class ErrorResponse(BaseModel):
    """Every error the API answers has this body."""

    error: ErrorBody


def _error_codes(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    codes = {400, 422, 500}
    if operation.get("security") or path.startswith("/v1/"):
        codes |= {401, 403}
    if path.startswith("/api/v1/privacy/exports/"):  # a signed link: tampered or expired
        codes |= {403, 410}
    if path.startswith("/api/v1/privacy/unsubscribe"):  # a signed link: tampered
        codes.add(403)
    if path.startswith(("/api/v1/auth/", "/api/v1/webhooks/")):  # wrong credentials or signature
        codes.add(401)
    if "{" in path:
        codes.add(404)
    if method in ("post", "patch", "put", "delete"):
        codes |= {404, 409}
    if operation.get("requestBody") or method in ("post", "put", "patch"):  # some read raw bodies
        codes |= {413, 415}
    if path.startswith(("/v1/", "/api/v1/agents", "/api/v1/auth", "/api/v1/webhooks")):
        codes.add(429)
    if path.startswith(("/v1/", "/api/v1/agents")):
        codes |= {502, 503, 504}
    return codes


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses to every operation and drop FastAPI's `HTTPValidationError`."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, ErrorResponse):
        schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ErrorResponse"].pop("$defs", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    content = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            for body in operation.get("requestBody", {}).get("content", {}).values():
                schemas.update(body.get("schema", {}).pop("$defs", {}))  # from `openapi_extra` bodies
            responses = operation.setdefault("responses", {})
            for code in sorted(_error_codes(path, method, operation)):
                described = responses.get(str(code), {})
                headers = {"headers": described["headers"]} if "headers" in described else {}
                responses[str(code)] = {"description": described.get("description") or DESCRIPTIONS[code],
                                        **headers, "content": content}
    return schema


def install(app: FastAPI) -> None:
    """Serve the documented schema at `/openapi.json` (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
