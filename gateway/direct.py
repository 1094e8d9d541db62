"""The lean path: self-hosted OpenAI-compatible deployments called directly, the Router still in charge.

Profiling showed about four fifths of the gateway's CPU per call inside `litellm.acompletion`
(logging object, parameter mapping, response objects, cost calculation) that a self-hosted
OpenAI-compatible server (vLLM, llama.cpp, Ollama, TGI, Triton's OpenAI front end) does not need:
the request and the response are already OpenAI's. For those deployments a call is:

1. `router.select(route)`: LiteLLM's Router picks the deployment (routing strategy, cooldowns);
2. one POST with a pooled aiohttp session, bodies in and out as orjson;
3. on success, the upstream's JSON (or SSE chunks) is the answer;
4. on a failure (connection, timeout, 408/429/5xx...), `router.health().record_failure()` counts it
   (cooling the deployment down per `allowed_fails`/`cooldown_time`) and the call is handed to
   `router.acompletion` with one retry fewer, so LiteLLM's retries and fallbacks take over
   unchanged. A 400/422 is the caller's error and is returned at once.

The path is taken only where it cannot change routing: every deployment of the route is
`openai/`/`hosted_vllm/` with an `api_base` and only connection parameters, and the Router uses
simple shuffling with none of the settings that need per-call bookkeeping (usage-based or
latency-based strategies, deployment rpm/tpm, parallel-request limits). `direct_self_hosted: false`
in the config turns it off.
"""

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from gateway import errors
from gateway.config import GatewayConfig

if TYPE_CHECKING:
    from gateway.router import Route

PROVIDERS = frozenset({"openai", "hosted_vllm"})
CONNECTION_PARAMS = frozenset({"model", "api_base", "api_key", "timeout", "stream_timeout", "extra_headers",
                               "organization", "max_retries", "input_cost_per_token",
                               "output_cost_per_token"})
NEUTRAL_ROUTER_SETTINGS = frozenset({"num_retries", "timeout", "stream_timeout", "fallbacks", "allowed_fails",
                                     "cooldown_time", "retry_after", "max_fallbacks", "routing_strategy",
                                     "allowed_fails_policy", "retry_policy"})
DEFAULT_TIMEOUT = 600.0
USER_AGENT = "cognify-gateway"
_ERRORS = {401: "AuthenticationError", 404: "NotFoundError", 408: "Timeout", 429: "RateLimitError",
           503: "ServiceUnavailableError"}


def direct_capable(params: dict[str, Any]) -> bool:
    """Whether a deployment's `litellm_params` allow the lean path."""
    provider = str(params.get("model", "")).partition("/")[0]
    return provider in PROVIDERS and bool(params.get("api_base")) and set(params) <= CONNECTION_PARAMS


def router_is_neutral(config: GatewayConfig) -> bool:
    """Whether the Router's settings keep no per-call state the lean path would skip."""
    settings = config.router_settings
    strategy = settings.get("routing_strategy", "simple-shuffle")
    return config.direct_self_hosted and set(settings) <= NEUTRAL_ROUTER_SETTINGS and \
        strategy == "simple-shuffle"


def failure(status: int | None, message: str, model: str) -> Exception:
    """The LiteLLM exception the Router would have seen for this outcome (it drives cooldowns)."""
    import litellm

    name = "APIConnectionError" if status is None else _ERRORS.get(status, "InternalServerError")
    return getattr(litellm, name)(message=message, llm_provider="openai", model=model)


class Handover(Exception):
    """The lean attempt failed in a way the Router's retries and fallbacks should handle."""


class DirectClient:
    """One pooled HTTP session (per event loop) for the lean path."""

    def __init__(self, config: GatewayConfig) -> None:
        self.default_timeout = float(config.router_settings.get("timeout") or DEFAULT_TIMEOUT)
        self.stream_timeout = float(config.router_settings.get("stream_timeout") or self.default_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._closer: AsyncIterator[None] | None = None

    async def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})
            self._closer = _close_at_loop_shutdown(self._session)
            await anext(self._closer)
        return self._session

    def _request(self, deployment: dict[str, Any], body: dict[str, Any], stream: bool) -> dict[str, Any]:
        params = deployment["litellm_params"]
        headers = {"Content-Type": "application/json", **(params.get("extra_headers") or {})}
        if params.get("api_key"):
            headers["Authorization"] = f"Bearer {params['api_key']}"
        if params.get("organization"):
            headers["OpenAI-Organization"] = params["organization"]
        seconds = float(params.get("stream_timeout" if stream else "timeout") or params.get("timeout") or (
            self.stream_timeout if stream else self.default_timeout))
        timeout = aiohttp.ClientTimeout(total=None if stream else seconds, sock_read=seconds,
                                        sock_connect=min(seconds, 10.0))
        upstream = {**body, "model": str(params["model"]).partition("/")[2]}
        url = str(params["api_base"]).rstrip("/") + "/chat/completions"
        return {"url": url, "headers": headers, "data": orjson.dumps(upstream), "timeout": timeout}

    async def _open(self, router: Any, route: "Route", body: dict[str, Any], stream: bool
                    ) -> tuple[aiohttp.ClientResponse, str]:
        try:
            deployment = await router.select(route.name, {}, messages=body["messages"])
        except Exception as exc:  # noqa: BLE001 - nothing to pick: the Router's full path decides
            raise Handover(str(exc)) from exc
        model_id = str(deployment["model_info"]["id"])
        model = str(deployment["litellm_params"]["model"])
        try:
            response = await (await self._ensure_session()).post(**self._request(deployment, body, stream))
        except (aiohttp.ClientError, TimeoutError) as exc:
            status = 408 if isinstance(exc, TimeoutError) else None
            self._report(router, model_id, failure(status, f"{type(exc).__name__}: {exc}", model), status)
            raise Handover(str(exc)) from exc
        if response.status == 200:
            return response, model_id
        text = (await response.text())[:300]
        response.release()
        if response.status in (400, 422):
            raise errors.GatewayError(f"The model rejected the request: {text}", status_code=400,
                                      code="upstream_bad_request")
        self._report(router, model_id, failure(response.status, text, model), response.status)
        raise Handover(f"{response.status}: {text}")

    @staticmethod
    def _report(router: Any, model_id: str, exc: Exception, status: int | None) -> None:
        router.health().record_failure(model_id, exc, status if status is not None else 500)

    async def complete(self, router: Any, route: "Route", body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The upstream's chat completion JSON and the Router id of the deployment that answered."""
        response, model_id = await self._open(router, route, body, stream=False)
        try:
            return orjson.loads(await response.read()), model_id
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
            self._report(router, model_id, failure(502, f"unreadable response: {exc}", route.name), 502)
            raise Handover(str(exc)) from exc
        finally:
            response.release()

    async def stream(self, router: Any, route: "Route", body: dict[str, Any]
                     ) -> tuple[AsyncIterator[dict[str, Any]], str]:
        """SSE chunks as dicts (opened before returning, so a refused stream can still be handed over)."""
        response, model_id = await self._open(router, route, body, stream=True)
        return _chunks(response), model_id



async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    """Closes `session` when its event loop shuts down: `asyncio.run` (uvicorn, CLIs, workers) closes
    every live async generator at exit (`shutdown_asyncgens`), which runs this `finally`."""
    try:
        yield
    finally:
        await session.close()


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[dict[str, Any]]:
    try:
        async for line in response.content:
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                break
            if payload:
                yield orjson.loads(payload)
    finally:
        response.release()
