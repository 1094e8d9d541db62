"""A local OpenAI-compatible server that behaves like a tool-using model (for the gateway-backed test).

On a user turn it calls `search_leads` with the user's words; after a tool result it answers with
the first line of that result. Streaming and non-streaming, like vLLM or llama.cpp.
"""

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class ToolUsingModel:
    """The fake model; `received` keeps every request body."""

    received: list[dict[str, Any]] = field(default_factory=list)

    def _reply(self, body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]
        if last["role"] == "user" and body.get("tools"):
            arguments = json.dumps({"q": last["content"]})
            return {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "search_leads", "arguments": arguments},
                    }
                ],
            }
        leads = last["content"].count('"name"')
        return {"role": "assistant", "content": f"Found {leads} lead(s)."}

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        self.received.append(body)
        message = self._reply(body)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        base = {"id": "chatcmpl-1", "created": int(time.time()), "model": body.get("model")}
        usage = {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}
        if not body.get("stream"):
            return JSONResponse(
                {
                    **base,
                    "object": "chat.completion",
                    "usage": usage,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                }
            )
        delta = dict(message)
        if delta.get("tool_calls"):
            delta["tool_calls"] = [{"index": 0, **call} for call in delta["tool_calls"]]
        chunks = [
            {"index": 0, "delta": delta, "finish_reason": None},
            {"index": 0, "delta": {}, "finish_reason": finish},
        ]
        lines = [{**base, "object": "chat.completion.chunk", "choices": [c]} for c in chunks]
        lines.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        text = "".join(f"data: {json.dumps(line)}\n\n" for line in lines) + "data: [DONE]\n\n"
        return StreamingResponse(iter([text]), media_type="text/event-stream")


class Served:
    """The fake model served by uvicorn on a free port in a background thread."""

    def __init__(self, model: ToolUsingModel) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/v1/chat/completions", model.chat, methods=["POST"])])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Served":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("fake model server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextlib.contextmanager
def gateway_config(config: dict[str, Any], config_dir: Path) -> Iterator[None]:
    """Run the block with `config` as the process's gateway config (then restore the previous one)."""
    from cognify.settings import get_settings
    from gateway.service import get_core

    previous = os.environ.get("COGNIFY_GATEWAY_CONFIG")
    path = config_dir / "gateway.yaml"
    path.write_text(yaml.safe_dump(config))
    os.environ["COGNIFY_GATEWAY_CONFIG"] = str(path)
    get_settings.cache_clear()
    get_core.cache_clear()
    try:
        yield
    finally:
        get_core().ledger.flush()
        if previous is None:
            os.environ.pop("COGNIFY_GATEWAY_CONFIG", None)
        else:
            os.environ["COGNIFY_GATEWAY_CONFIG"] = previous
        get_settings.cache_clear()
        get_core.cache_clear()


@contextlib.contextmanager
def gateway_group(group: str, model: ToolUsingModel, config_dir: Path) -> Iterator[ToolUsingModel]:
    """Serve `model` locally and route the gateway's `group` to it until the block ends."""
    with Served(model) as served:
        config = {
            "model_list": [{
                "model_name": group,
                "litellm_params": {"model": f"openai/{group}-model",
                                   "api_base": f"http://127.0.0.1:{served.port}/v1", "api_key": "local"},
                "model_info": {"id": f"{group}-local", "external": False},
            }],
            "policies": {"default": {"allowed_groups": ["*"], "monthly_budget_usd": 100}},
        }
        with gateway_config(config, config_dir):
            yield model
