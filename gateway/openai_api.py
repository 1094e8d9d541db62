"""OpenAI-compatible HTTP surface: /v1/chat/completions, /v1/embeddings, /v1/models.

Authentication is a virtual key (`ck-...`) or a user access token; every error on these routes is
OpenAI's `{"error": {"message", "type", "code", "param"}}`, so the official SDKs raise their own
exception types.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from functools import wraps
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from cognify.db import tenant_session
from cognify.errors import CognifyError, Forbidden, Unauthorized
from cognify.security import Actor, TokenClaims, decode_access_token
from domain.identity.service import load_actor
from gateway import errors
from gateway.keys import KEY_PREFIX, authenticate_key
from gateway.openai_schema import ChatCompletionRequest, EmbeddingRequest, check, request_body
from gateway.policy import Caller
from gateway.service import Gateway, dumps, get_gateway

router = APIRouter(prefix="/v1", tags=["gateway (OpenAI-compatible)"])
Handler = Callable[..., Awaitable[Response]]
api_key = HTTPBearer(auto_error=False, scheme_name="VirtualKey",
                     description="A virtual key (`ck-...`) or a user access token")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(api_key)]


class JSONBytes(Response):
    """A JSON response serialised with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def openai_errors(handler: Handler) -> Handler:
    """Render CognifyErrors in OpenAI's error shape."""

    @wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        except CognifyError as exc:
            return JSONBytes(errors.openai_error_body(exc), status_code=exc.status_code, headers=exc.headers)

    return wrapper


def _load_actor(claims: TokenClaims) -> Actor:
    with tenant_session(claims.tenant_id, claims.user_id) as session:
        return load_actor(session, claims)


async def authenticate(credentials: HTTPAuthorizationCredentials | None, gateway: Gateway) -> Caller:
    """The caller a bearer virtual key or access token names."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise Unauthorized("You didn't provide an API key (Authorization: Bearer ...).",
                           code="missing_api_key")
    if token.startswith(KEY_PREFIX):
        key = await authenticate_key(gateway.redis, token)
        return Caller(key.tenant_id, None, key, "api")
    try:
        claims = decode_access_token(token)
    except Unauthorized as exc:
        raise Unauthorized("Incorrect API key provided.", code="invalid_api_key") from exc
    actor = await run_in_threadpool(_load_actor, claims)
    if not actor.can("gateway:use"):
        raise Forbidden("Missing permission 'gateway:use'", code="permission_denied")
    return Caller(actor.tenant_id, actor.user_id, None, "api")


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise errors.invalid_request(f"Request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise errors.invalid_request("Request body must be a JSON object")
    return body


class EventStream(Response):
    """Server-sent events from an async iterator; stops (and closes it) when the client leaves."""

    media_type = "text/event-stream"

    def __init__(self, chunks: AsyncIterator[dict[str, Any]]) -> None:
        super().__init__()
        self.chunks = chunks
        self.raw_headers = [(b"content-type", b"text/event-stream; charset=utf-8"),
                            (b"cache-control", b"no-cache")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(watch)
            try:
                async for chunk in self.chunks:
                    await send({"type": "http.response.body", "body": b"data: " + dumps(chunk) + b"\n\n",
                                "more_body": True})
                tail = b"data: [DONE]\n\n"
            except CognifyError as exc:
                tail = b"data: " + dumps(errors.openai_error_body(exc)) + b"\n\n"
            finally:
                with anyio.CancelScope(shield=True):
                    await self.chunks.aclose()  # type: ignore[attr-defined]
            await send({"type": "http.response.body", "body": tail, "more_body": False})
            group.cancel_scope.cancel()


@router.post("/chat/completions", openapi_extra=request_body(ChatCompletionRequest))
@openai_errors
async def chat_completions(request: Request, credentials: Credentials) -> Response:
    """Create a chat completion (streamed with `"stream": true`, usage in the final chunk)."""
    gateway = get_gateway()
    caller = await authenticate(credentials, gateway)
    body = await _body(request)
    check(ChatCompletionRequest, body)
    if body.get("stream"):
        return EventStream(await gateway.stream(caller, body))
    return JSONBytes(await gateway.chat(caller, body))


@router.post("/embeddings", openapi_extra=request_body(EmbeddingRequest))
@openai_errors
async def embeddings(request: Request, credentials: Credentials) -> Response:
    """Create embeddings."""
    gateway = get_gateway()
    caller = await authenticate(credentials, gateway)
    body = await _body(request)
    check(EmbeddingRequest, body)
    return JSONBytes(await gateway.embed(caller, body))


@router.get("/models")
@openai_errors
async def list_models(credentials: Credentials) -> Response:
    """The model groups the caller may use."""
    gateway = get_gateway()
    caller = await authenticate(credentials, gateway)
    tenant = await gateway.core.tenant(caller.tenant_id)
    return JSONBytes({"object": "list", "data": gateway.models(tenant)})


@router.get("/models/{model:path}")
@openai_errors
async def retrieve_model(model: str, credentials: Credentials) -> Response:
    """One model group the caller may use; 404 `model_not_found` for any other name."""
    gateway = get_gateway()
    caller = await authenticate(credentials, gateway)
    tenant = await gateway.core.tenant(caller.tenant_id)
    for entry in gateway.models(tenant):
        if entry["id"] == model:
            return JSONBytes(entry)
    raise errors.model_not_found(model)
