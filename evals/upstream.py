"""A local, recording OpenAI-compatible upstream for the gateway suite: one server, many deployments.

Every deployment of a case gets its own base URL, `http://127.0.0.1:PORT/<scope>/<deployment>/v1`,
so what the server received says which deployment the gateway chose; `scope` (one per case trial)
keeps concurrent cases apart. The server answers by echoing the last user message, so placeholders
the gateway put in are sent back and its restoring can be checked; listed deployments fail instead.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


@dataclass(frozen=True)
class Received:
    """One request as it reached the upstream."""

    scope: str
    deployment: str
    body: dict[str, Any]


@dataclass
class RecordingUpstream:
    """The fake provider: records every chat request; deployments in `failing` answer that status."""

    failing: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    def base(self, scope: str, deployment: str) -> str:
        """The OpenAI-compatible base URL of one deployment within one scope."""
        return f"http://127.0.0.1:{self.port}/{scope}/{deployment}/v1"

    def seen(self, scope: str) -> list[Received]:
        """What the upstream received for one scope, in order."""
        return [r for r in self.received if r.scope == scope]

    async def chat(self, request: Request) -> Response:
        scope, deployment = request.path_params["scope"], request.path_params["deployment"]
        body = await request.json()
        self.received.append(Received(scope, deployment, body))
        status = self.failing.get(deployment)
        if status:
            return JSONResponse({"error": {"message": "upstream failure", "type": "server_error"}},
                                status_code=status)
        last = body["messages"][-1].get("content") or ""
        message = {"role": "assistant", "content": f"{deployment} heard: {last}"}
        return JSONResponse({
            "id": "chatcmpl-eval", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"), "usage": USAGE,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        })

    def app(self) -> Starlette:
        """The ASGI app."""
        return Starlette(routes=[
            Route("/{scope}/{deployment}/v1/chat/completions", self.chat, methods=["POST"]),
        ])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(app: Any) -> Iterator[int]:
    """Serve an ASGI app on 127.0.0.1 (a free port, yielded) in a background thread until the block ends."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="eval-upstream", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the eval upstream did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve(upstream: RecordingUpstream) -> Iterator[RecordingUpstream]:
    """Serve the recording upstream (its `port` set) until the block ends."""
    with serve_app(upstream.app()) as port:
        upstream.port = port
        yield upstream
