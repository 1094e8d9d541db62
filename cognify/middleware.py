"""ASGI middleware: request ids, structured access logs, HTTP metrics, and text no column can hold."""

import json
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cognify.logging import bind_contextvars, clear_contextvars, get_logger
from cognify.metrics import HTTP_LATENCY, HTTP_REQUESTS

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = get_logger("cognify.http")


class RequestContextMiddleware:
    """Bind a request id to every log line, echo it back, and count the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        clear_contextvars()
        bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_REQUESTS.labels(route, method, str(status["code"])).inc()
            HTTP_LATENCY.labels(route, method).observe(elapsed)
            log.info(
                "request", method=method, path=scope["path"], route=route,
                status=status["code"], duration_ms=round(elapsed * 1000, 2),
            )


def _bad_char(text: str) -> str | None:
    """What is wrong with a string the database and JSON cannot hold: a NUL or an unpaired surrogate."""
    if "\x00" in text:
        return "contains a NUL character"
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "contains an unpaired surrogate (not valid Unicode)"
    return None


def _walk(value: Any, where: str) -> tuple[str, str] | None:
    if isinstance(value, str):
        problem = _bad_char(value)
        return (where, problem) if problem else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and (problem := _bad_char(key)):
            return f"{where}.{key!r}", problem
        if found := _walk(item, f"{where}.{key}"):
            return found
    return None


def _pairs(encoded: bytes) -> list[tuple[str, str]]:
    return parse_qsl(encoded.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                     errors="surrogateescape")


def find_bad_text(scope: Scope, body: bytes, content_type: str) -> tuple[str, str] | None:
    """The first field (path, query or body) holding text no column can store, and why."""
    if problem := _bad_char(scope.get("path", "")):
        return "path", problem
    for name, value in _pairs(scope.get("query_string", b"")):
        if found := _walk(value, f"query.{name}") or _walk(name, "query"):
            return found
    if content_type.startswith("application/x-www-form-urlencoded"):
        for name, value in _pairs(body):
            if found := _walk(value, f"body.{name}") or _walk(name, "body"):
                return found
    elif "json" in content_type and body:
        try:
            return _walk(json.loads(body), "body")
        except (ValueError, RecursionError):
            return None  # not JSON: FastAPI answers that one
    return None


class TextGuardMiddleware:
    """Refuse NUL characters and unpaired surrogates at the edge with 422, before any handler sees them.

    PostgreSQL cannot store either in text, so without this they surface as a 500 from the driver.
    JSON and form bodies are read here and replayed to the app; other bodies (uploads) pass as they are.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        buffered = "json" in content_type or content_type.startswith("application/x-www-form-urlencoded")
        messages: list[Message] = []
        body = b""
        if buffered:
            while True:
                message = await receive()
                messages.append(message)
                body += message.get("body", b"")
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
        if found := find_bad_text(scope, body, content_type):
            field, problem = found
            payload = json.dumps({"error": {"code": "validation_error", "message": f"{field}: {problem}",
                                            "details": [{"field": field, "message": problem,
                                                         "type": "invalid_text"}]}}).encode()
            await send({"type": "http.response.start", "status": 422,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload})
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay if buffered else receive, send)
