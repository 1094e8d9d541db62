"""The gateway service: one pipeline for every call, in-process or over HTTP.

`get_gateway()` returns the Gateway bound to the running event loop (LiteLLM's async clients and
redis-py's asyncio clients belong to one loop); the config, ledger mover and tenant cache are
shared process-wide by `GatewayCore`.
"""

import asyncio
import math
import threading
import time
import weakref
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

import anyio
import orjson
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from structlog.contextvars import get_contextvars

from cognify.db import tenant_engine
from cognify.errors import Unauthorized
from cognify.models import utcnow
from cognify.redis import new_async_redis
from cognify.settings import get_settings
from gateway import errors, ledger, metrics
from gateway.budgets import Reservation
from gateway.cache import ResponseCache, cache_key
from gateway.config import GatewayConfig, Policy, configured
from gateway.direct import DirectClient, Handover
from gateway.policy import Admission, Caller, TenantProfile, admit, effective_policy, resolve_route
from gateway.quota import Quota
from gateway.redaction import Redactor, StreamRestorer, phone_regions
from gateway.router import DeploymentInfo, RouterSet
from gateway.tokens import count_prompt_tokens, count_text_tokens

# OpenAI request parameters LiteLLM maps per provider (never its connection ones: api_base, api_key...).
CHAT_PARAMS = frozenset({
    "temperature", "top_p", "n", "stop", "max_tokens", "max_completion_tokens", "presence_penalty",
    "frequency_penalty", "logit_bias", "user", "tools", "tool_choice", "response_format", "seed",
    "parallel_tool_calls", "logprobs", "top_logprobs", "functions", "function_call", "modalities",
    "prediction", "audio", "reasoning_effort", "web_search_options", "service_tier", "store", "verbosity",
    "prompt_cache_key", "safety_identifier",
})
# What the gateway itself reads; every other key is the provider's own (`top_k`, `min_p`, `metadata`...)
# and reaches it unchanged in the request body, as LiteLLM's `extra_body`.
GATEWAY_PARAMS = frozenset({"model", "messages", "stream", "stream_options", "cache"})
TENANT_TTL = 30.0
EMBEDDED_OWNER = "cognify-embedded (llama.cpp, SmolLM2-135M-Instruct)"


class GatewayCore:
    """Process-wide state: config, ledger mover, tenant cache, one Gateway per event loop."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.ledger = ledger.get_mover()
        self._tenants: dict[UUID, tuple[float, TenantProfile]] = {}
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Gateway] = (
            weakref.WeakKeyDictionary())
        self._lock = threading.Lock()

    def for_loop(self) -> "Gateway":
        """The Gateway of the running event loop (built on first use)."""
        loop = asyncio.get_running_loop()
        gateway = self._loops.get(loop)
        if gateway is None:
            with self._lock:
                gateway = self._loops.get(loop) or Gateway(self)
                self._loops[loop] = gateway
        return gateway

    async def tenant(self, tenant_id: UUID) -> TenantProfile:
        """The tenant's policy facts, cached for a few seconds."""
        cached = self._tenants.get(tenant_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        profile = await run_in_threadpool(_load_tenant, tenant_id)
        self._tenants[tenant_id] = (time.monotonic() + TENANT_TTL, profile)
        return profile


def _load_tenant(tenant_id: UUID) -> TenantProfile:
    with tenant_engine(tenant_id, owner=True).connect() as conn:
        row = conn.execute(text("SELECT slug, plan, region, is_active FROM tenants WHERE id = :id"),
                           {"id": tenant_id}).first()
    if row is None or not row.is_active:
        raise Unauthorized("Tenant is disabled or does not exist", code="invalid_api_key")
    return TenantProfile(tenant_id, row.slug, row.plan, row.region)


@lru_cache
def get_core() -> GatewayCore:
    """The process's gateway core, from COGNIFY_GATEWAY_CONFIG or the embedded default."""
    return GatewayCore(configured(get_settings().gateway_config))


def get_gateway() -> "Gateway":
    """The Gateway for the running event loop."""
    return get_core().for_loop()


class Gateway:
    """Policy, routing, budgets, limits, cache and ledger around LiteLLM's Router, for one loop."""

    def __init__(self, core: GatewayCore) -> None:
        self.core = core
        self.routers = RouterSet(core.config)
        self.redis = new_async_redis()
        self.quota = Quota(self.redis)
        self._policies: dict[TenantProfile, Policy] = {}
        self.cache = ResponseCache(self.redis)
        self.direct = DirectClient(core.config)

    async def _admit(self, caller: Caller, group: Any, prompt_tokens: int, max_tokens: int | None,
                     choices: int = 1) -> Admission:
        """Run policy and reserve the call's maximum cost; completions are capped at `max_tokens`."""
        if not isinstance(group, str):
            raise errors.invalid_request("'model' is required", "model")
        tenant = await self.core.tenant(caller.tenant_id)
        policy = self._policies.get(tenant)
        if policy is None:
            policy = self._policies[tenant] = effective_policy(self.core.config.policies, tenant)
        route = resolve_route(self.routers, policy, tenant, group)
        cap = max_tokens if max_tokens is not None else (policy.default_max_tokens or 1024)
        admission = await admit(self.quota, route, policy, caller, prompt_tokens, cap * choices)
        admission.max_tokens = cap
        if policy.redact_pii_for_external and route.any_external:
            admission.redactor = Redactor(policy.redact_patterns or {}, phone_regions(policy, tenant))
        return admission

    def models(self, policy_tenant: TenantProfile) -> list[dict[str, Any]]:
        """The groups a tenant may call, in OpenAI's model-list shape."""
        policy = effective_policy(self.core.config.policies, policy_tenant)
        owner = EMBEDDED_OWNER if self.core.config.embedded else "cognify"
        out = []
        for group in self.core.config.groups:
            try:
                resolve_route(self.routers, policy, policy_tenant, group)
            except errors.GatewayError:
                continue
            out.append({"id": group, "object": "model", "created": 0, "owned_by": owner})
        return out

    async def chat(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        """A chat completion (non-streamed) through the whole policy pipeline."""
        call = _Call(self, caller, body)
        await call.start()
        return await call.complete()

    async def stream(self, caller: Caller, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """A streamed chat completion: admitted and connected before the first chunk is yielded."""
        call = _Call(self, caller, body)
        await call.start()
        upstream, deployment = await call.open_stream()
        return call.relay(upstream, deployment)

    async def embed(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        """Embeddings through the same policy, budgets and ledger."""
        inputs = body.get("input")
        if not isinstance(inputs, str | list) or not inputs:
            raise errors.invalid_request("'input' must be a string or a list", "input")
        texts = [inputs] if isinstance(inputs, str) else [str(i) for i in inputs]
        prompt = sum(count_text_tokens(t) for t in texts)
        admission = await self._admit(caller, body.get("model"), prompt, 0)
        started = time.perf_counter()
        kwargs = {k: body[k] for k in ("dimensions", "encoding_format", "user") if k in body}
        try:
            response = await self.routers.router.aembedding(
                model=admission.route.name, input=inputs, **kwargs)
        except Exception as exc:
            await self.finish(caller, admission.reservation, body["model"], None, started, outcome="error")
            raise errors.upstream_failure(exc) from exc
        deployment = self.routers.deployment(response._hidden_params.get("model_id"))
        usage = response.usage
        tokens = getattr(usage, "prompt_tokens", 0) or prompt
        cost = _cost(deployment, tokens, 0)
        await self.finish(caller, admission.reservation, body["model"], deployment, started,
                          prompt_tokens=tokens, cost=cost)
        payload = response.model_dump(exclude_none=True)
        payload["model"] = body["model"]
        return payload

    async def finish(self, caller: Caller, reservation: Reservation, group: str,
                     deployment: DeploymentInfo | None, started: float, *, outcome: str = "ok",
                     prompt_tokens: int = 0, completion_tokens: int = 0, cost: int = 0,
                     ttft: float | None = None, cache_hit: bool = False, stream: bool = False) -> None:
        """Settle the call's spend and append its ledger entry in one Redis step; count its metrics."""
        elapsed = time.perf_counter() - started
        name = deployment.id if deployment else ("cache" if cache_hit else "none")
        metrics.REQUESTS.labels(group, name, outcome).inc()
        metrics.LATENCY.labels(group, name).observe(elapsed)
        if prompt_tokens or completion_tokens:
            metrics.TOKENS.labels(group, name, "prompt").inc(prompt_tokens)
            metrics.TOKENS.labels(group, name, "completion").inc(completion_tokens)
        if cost:
            metrics.COST.labels(group, name).inc(cost / 1e9)
        if ttft is not None:
            metrics.TTFT.labels(group, name).observe(ttft)
        if deployment is not None and deployment.group != group:
            metrics.FALLBACKS.labels(group).inc()
        entry = ledger.encode({
            "id": uuid4(), "tenant_id": caller.tenant_id, "created_at": utcnow(), "user_id": caller.user_id,
            "key_id": caller.key.key_id if caller.key else None, "purpose": caller.purpose,
            "model_group": group, "deployment": deployment.id if deployment else None,
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "cost_nano": cost,
            "latency_ms": int(elapsed * 1000), "ttft_ms": None if ttft is None else int(ttft * 1000),
            "cache_hit": cache_hit, "stream": stream, "outcome": outcome,
            "request_id": get_contextvars().get("request_id"),
        })
        self.core.ledger.start()
        await self.quota.settle(reservation, cost, prompt_tokens + completion_tokens, entry)


def _cost(deployment: DeploymentInfo | None, prompt: int, completion: int) -> int:
    if deployment is None:
        return 0
    return math.ceil(prompt * deployment.input_nano + completion * deployment.output_nano)


class _Call:
    """One chat call's journey: admission, the Router, settlement, ledger."""

    def __init__(self, gateway: Gateway, caller: Caller, body: dict[str, Any]) -> None:
        self.gw = gateway
        self.caller = caller
        self.body = body
        self.group = str(body.get("model"))
        self.started = time.perf_counter()

    async def start(self) -> None:
        """Validate, admit and (when asked) redact; the call then holds its reservation."""
        messages = self.body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise errors.invalid_request("'messages' must be a non-empty list", "messages")
        self.params = {k: v for k, v in self.body.items() if k in CHAT_PARAMS}
        self.extra = {k: v for k, v in self.body.items() if k not in CHAT_PARAMS | GATEWAY_PARAMS}
        requested = self.params.pop("max_completion_tokens", None) or self.params.get("max_tokens")
        prompt = count_prompt_tokens(messages, self.params.get("tools"))
        self.adm = await self.gw._admit(self.caller, self.body.get("model"), prompt, requested,
                                        int(self.params.get("n") or 1))
        self.params["max_tokens"] = self.adm.max_tokens
        self.messages = self.adm.redactor.redact_messages(messages) if self.adm.redactor else messages
        self.cache_key: str | None = None
        if self.body.get("cache", self.adm.policy.cache) and not self.body.get("stream"):
            self.cache_key = cache_key(self.caller.tenant_id, self.group, self.body)

    async def complete(self) -> dict[str, Any]:
        if self.cache_key:
            hit = await self.gw.cache.get(self.cache_key)
            if hit is not None:
                metrics.CACHE_HITS.labels(self.group).inc()
                await self.gw.finish(self.caller, self.adm.reservation, self.group, None, self.started,
                                     cache_hit=True)
                return hit
        try:
            payload, deployment = await self._completion()
        except Exception as exc:
            error = await self._failed(exc, stream=False)
            if error is exc:
                raise
            raise error from exc
        usage = payload.get("usage") or {}
        prompt = usage.get("prompt_tokens") or self.adm.prompt_tokens
        completion = usage.get("completion_tokens")
        if completion is None:
            completion = count_text_tokens(orjson.dumps(payload.get("choices", [])).decode())
        cost = _cost(deployment, prompt, completion)
        await self.gw.finish(self.caller, self.adm.reservation, self.group, deployment, self.started,
                             prompt_tokens=prompt, completion_tokens=completion, cost=cost)
        payload["model"] = self.group
        payload.pop("_hidden_params", None)
        if self.adm.redactor:
            for choice in payload.get("choices", []):
                message = choice.get("message") or {}
                if isinstance(message.get("content"), str):
                    message["content"] = self.adm.redactor.restore(message["content"])
        if self.cache_key:
            await self.gw.cache.put(self.cache_key, payload, self.adm.policy.cache_ttl_seconds or 300)
        return payload

    async def _failed(self, exc: Exception, *, stream: bool) -> errors.GatewayError:
        """Release the reservation, record the failed call, and say what the caller gets."""
        await self.gw.finish(self.caller, self.adm.reservation, self.group, None, self.started,
                             outcome="error", stream=stream)
        return exc if isinstance(exc, errors.GatewayError) else errors.upstream_failure(exc)

    def _router_kwargs(self, handed_over: bool) -> dict[str, Any]:
        """Per-call Router options: the provider's own parameters; after a failed lean attempt, one retry
        fewer (it was the first try)."""
        kwargs: dict[str, Any] = {"extra_body": self.extra} if self.extra else {}
        configured = self.gw.core.config.router_settings.get("num_retries")
        if handed_over and configured is not None:
            kwargs["num_retries"] = max(0, int(configured) - 1)
        return kwargs

    async def _completion(self) -> tuple[dict[str, Any], DeploymentInfo | None]:
        """The completion as a dict and the deployment that produced it: lean path first where it may."""
        route, router = self.adm.route, self.gw.routers.router
        handed_over = False
        if route.direct:
            try:
                data, model_id = await self.gw.direct.complete(router, route, {
                    **self.extra, "messages": self.messages, **self.params})
                return data, self.gw.routers.deployment(model_id)
            except Handover:
                handed_over = True
        response = await router.acompletion(model=route.name, messages=self.messages, **self.params,
                                            **self._router_kwargs(handed_over))
        return response.model_dump(exclude_none=True), self.gw.routers.deployment(
            response._hidden_params.get("model_id"))

    async def open_stream(self) -> tuple[Any, DeploymentInfo | None]:
        """The upstream stream (chunks as dicts or LiteLLM objects) and its deployment, once connected."""
        route, router = self.adm.route, self.gw.routers.router
        handed_over = False
        try:
            if route.direct:
                try:
                    body = {**self.extra, "messages": self.messages, **self.params, "stream": True,
                            "stream_options": {"include_usage": True}}
                    chunks, model_id = await self.gw.direct.stream(router, route, body)
                    return chunks, self.gw.routers.deployment(model_id)
                except Handover:
                    handed_over = True
            upstream = await router.acompletion(
                model=route.name, messages=self.messages, stream=True, stream_options={"include_usage": True},
                **self.params, **self._router_kwargs(handed_over))
            return upstream, self.gw.routers.deployment(
                getattr(upstream, "_hidden_params", {}).get("model_id"))
        except Exception as exc:
            error = await self._failed(exc, stream=True)
            if error is exc:
                raise
            raise error from exc

    async def relay(self, upstream: Any, deployment: DeploymentInfo | None) -> AsyncIterator[dict[str, Any]]:
        """Yield chunks; settle and record exactly once however the stream ends."""
        restorer = StreamRestorer(self.adm.redactor) if self.adm.redactor else None
        ttft: float | None = None
        streamed: list[str] = []
        usage: dict[str, int] | None = None
        outcome = "client_disconnected"
        try:
            async for chunk in upstream:
                data = chunk if isinstance(chunk, dict) else chunk.model_dump(exclude_none=True)
                data["model"] = self.group
                for choice in data.get("choices", []):
                    content = (choice.get("delta") or {}).get("content")
                    if isinstance(content, str) and content:
                        if ttft is None:
                            ttft = time.perf_counter() - self.started
                        streamed.append(content)
                        if restorer:
                            choice["delta"]["content"] = restorer.feed(content)
                if data.get("usage"):
                    usage = data["usage"]
                yield data
            if usage is None:  # the upstream sent none: the client still gets its final usage chunk
                usage = self._estimated_usage(streamed)
                yield {"id": f"chatcmpl-{uuid4().hex}", "object": "chat.completion.chunk",
                       "created": int(time.time()), "model": self.group, "choices": [], "usage": usage}
            outcome = "ok"
        except Exception as exc:
            outcome = "error"
            raise errors.upstream_failure(exc) from exc
        finally:
            with anyio.CancelScope(shield=True):
                if hasattr(upstream, "aclose"):
                    await upstream.aclose()
                await self._finish_stream(deployment, usage, streamed, ttft, outcome)

    def _estimated_usage(self, streamed: list[str]) -> dict[str, int]:
        prompt, completion = self.adm.prompt_tokens, count_text_tokens("".join(streamed))
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    async def _finish_stream(self, deployment: DeploymentInfo | None, usage: dict[str, int] | None,
                             streamed: list[str], ttft: float | None, outcome: str) -> None:
        usage = usage or self._estimated_usage(streamed)
        prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
        cost = _cost(deployment, prompt, completion)
        await self.gw.finish(self.caller, self.adm.reservation, self.group, deployment, self.started,
                             outcome=outcome, prompt_tokens=prompt, completion_tokens=completion, cost=cost,
                             ttft=ttft, stream=True)


def dumps(payload: Any) -> bytes:
    """Fast JSON for responses and stream chunks."""
    return orjson.dumps(payload, default=str)
