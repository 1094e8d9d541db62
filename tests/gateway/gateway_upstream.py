"""Local upstream model servers that speak OpenAI's and Bedrock Converse's wire protocols."""

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Upstream:
    """A fake provider: records what it receives, answers as told (`mode`: ok, 500, 429, slow)."""

    name: str
    mode: str = "ok"
    delay: float = 0.0
    reply: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    sends_usage: bool = True
    port: int = 0

    @property
    def base(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def texts(self) -> str:
        """Everything the upstream received, as one string."""
        return json.dumps(self.received)

    async def _failure(self) -> Response | None:
        if self.mode == "500":
            return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
        if self.mode == "429":
            return JSONResponse({"error": {"message": "slow down", "type": "rate_limit"}}, status_code=429,
                                headers={"retry-after": "30"})
        if self.mode == "slow":
            await asyncio.sleep(5)
        if self.delay:
            await asyncio.sleep(self.delay)
        return None

    def _answer(self, body: dict[str, Any]) -> str:
        if self.reply is not None:
            return self.reply
        last = body.get("messages", [{}])[-1].get("content") or ""
        if isinstance(last, list):
            last = " ".join(part.get("text", "") for part in last)
        return f"{self.name} says: {last}"

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        self.received.append(body)
        self.headers.append(dict(request.headers))
        failure = await self._failure()
        if failure is not None:
            return failure
        text = self._answer(body)
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        message: dict[str, Any] = {"role": "assistant", "content": text}
        finish = "stop"
        if body.get("tools") and body.get("tool_choice") != "none":
            tool = body["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": tool, "arguments": json.dumps({"city": "Paris"})}}]}
            finish = "tool_calls"
        if body.get("stream"):
            return StreamingResponse(self._stream(body, text), media_type="text/event-stream")
        return JSONResponse({
            "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"), "usage": usage,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        })

    async def _stream(self, body: dict[str, Any], text: str):  # type: ignore[no-untyped-def]
        words = text.split(" ")
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model")}
        for i, word in enumerate(words):
            delta = {"content": word if i == 0 else " " + word}
            if i == 0:
                delta["role"] = "assistant"
            chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            yield f"data: {json.dumps(chunk)}\n\n"
            await asyncio.sleep(self.delay)
        stop = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        yield f"data: {json.dumps(stop)}\n\n"
        if self.sends_usage and (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 10, "completion_tokens": len(words), "total_tokens": 10 + len(words)}
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n"
        yield "data: [DONE]\n\n"

    async def embeddings(self, request: Request) -> Response:
        body = await request.json()
        self.received.append(body)
        failure = await self._failure()
        if failure is not None:
            return failure
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
                for i in range(len(inputs))]
        return JSONResponse({"object": "list", "data": data, "model": body.get("model"),
                             "usage": {"prompt_tokens": 4 * len(inputs), "total_tokens": 4 * len(inputs)}})

    async def converse(self, request: Request) -> Response:
        body = await request.json()
        body["modelId"] = request.path_params["model_id"]
        self.received.append(body)
        failure = await self._failure()
        if failure is not None:
            return failure
        last = body["messages"][-1]["content"][0].get("text", "")
        return JSONResponse({
            "output": {"message": {"role": "assistant", "content": [{"text": f"{self.name} says: {last}"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 12, "outputTokens": 6, "totalTokens": 18},
            "metrics": {"latencyMs": 5},
        })

    def app(self) -> Starlette:
        """The ASGI app."""
        return Starlette(routes=[
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/embeddings", self.embeddings, methods=["POST"]),
            Route("/model/{model_id:path}/converse", self.converse, methods=["POST"]),
        ])


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """An ASGI app served by uvicorn on a free port in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        # Idle connections stay open longer than the clients pool them (LiteLLM's aiohttp 15 s, the lean
        # path's 30 s): with uvicorn's 5 s default, a pooled connection the server is closing at that
        # moment fails the next request ("Can not write request body"), which a test cannot control.
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="on", timeout_keep_alive=120)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_upstream(upstream: Upstream) -> ServerThread:
    """Start serving an upstream; sets its port."""
    server = ServerThread(upstream.app())
    upstream.port = server.port
    return server
