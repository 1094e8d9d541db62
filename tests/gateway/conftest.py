"""Gateway fixtures: local upstreams (OpenAI-compatible and Bedrock Converse), a config, a server."""

import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml
from gateway_helpers import BUDGET_OUT
from gateway_upstream import ServerThread, Upstream, serve_upstream

PRICE_IN = 0.000001
PRICE_OUT = 0.000002


def _dep(group: str, ident: str, model: str, base: str, **info: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"model": model, "api_base": base, "api_key": "sk-upstream"}
    params.update(info.pop("params", {}))
    return {"model_name": group, "litellm_params": params,
            "model_info": {"id": ident, "input_cost_per_token": PRICE_IN,
                           "output_cost_per_token": PRICE_OUT, **info}}


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gateway_config(up: dict[str, Upstream]) -> dict[str, Any]:
    """The test deployments: every provider kind, a region, failing primaries with fallbacks."""
    return {
        "model_list": [
            _dep("fast", "fast-vllm", "openai/fast-model", up["main"].base, external=False),
            _dep("copilot", "copilot-us", "openai/copilot-model", up["main"].base, region="us",
                 external=False),
            _dep("copilot", "copilot-eu", "openai/copilot-model", up["eu"].base, region="eu",
                 external=False),
            _dep("tutor", "tutor-openrouter", "openrouter/meta-llama/llama-3.1-8b-instruct",
                 up["router"].base),
            _dep("embed-upstream", "embed-vllm", "openai/embed-model", up["main"].base, external=False,
                 mode="embedding"),
            {"model_name": "embed", "litellm_params": {"model": "cognify-local/all-minilm-l6-v2"},
             "model_info": {"id": "local-embed", "external": False, "region": "*", "mode": "embedding",
                            "input_cost_per_token": 0, "output_cost_per_token": 0}},
            _dep("budget", "budget-vllm", "openai/budget-model", up["main"].base, external=False,
                 input_cost_per_token=0, output_cost_per_token=BUDGET_OUT),
            _dep("stream", "stream-vllm", "openai/stream-model", up["streamer"].base, external=False),
            _dep("stream-bare", "bare-llamacpp", "openai/bare-model", up["bare"].base, external=False),
            _dep("fb-500", "fails-500", "openai/m", up["bad500"].base, external=False),
            _dep("fb-429", "fails-429", "openai/m", up["bad429"].base, external=False),
            _dep("fb-once", "fails-once", "openai/once-model", up["bad500"].base, external=False),
            _dep("fb-timeout", "times-out", "openai/m", up["slow"].base, external=False,
                 params={"timeout": 1.0}),
            _dep("down", "down-vllm", "openai/m", f"http://127.0.0.1:{closed_port()}/v1", external=False),
            _dep("backup", "openrouter-backup", "openrouter/openai/gpt-4o-mini", up["router"].base),
            {"model_name": "claude", "litellm_params": {
                "model": "bedrock/anthropic.claude-3-haiku-20240307-v1:0",
                "aws_bedrock_runtime_endpoint": up["bedrock"].root, "aws_region_name": "us-east-1",
                "aws_access_key_id": "AKIDTEST", "aws_secret_access_key": "test-secret"},
             "model_info": {"id": "bedrock-haiku", "region": "us"}},
        ],
        "router_settings": {
            "num_retries": 0, "allowed_fails": 0, "cooldown_time": 120, "timeout": 30,
            "fallbacks": [{"fb-500": ["backup"]}, {"fb-429": ["backup"]}, {"fb-timeout": ["backup"]},
                          {"fb-once": ["backup"]}],
        },
        "policies": {
            "default": {"allowed_groups": ["*"], "monthly_budget_usd": 100},
            "plans": {
                "restricted": {"allowed_groups": ["fast"]},
                "tiny": {"monthly_budget_usd": 5 * 5 * BUDGET_OUT},
                "limited": {"rpm": 3},
                "redact": {"redact_pii_for_external": True,
                           "redact_patterns": {"national_id": r"\b\d{3}-\d{2}-\d{4}\b"}},
                "cached": {"cache": True},
            },
        },
    }


@pytest.fixture(scope="session")
def upstreams(services: dict[str, str],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Upstream]]:
    """Local upstream servers and COGNIFY_GATEWAY_CONFIG pointing at them."""
    from cognify.settings import get_settings
    from gateway.service import get_core

    ups = {name: Upstream(name) for name in ("main", "eu", "router", "bedrock", "bad500", "bad429", "slow")}
    ups["bad500"].mode, ups["bad429"].mode, ups["slow"].mode = "500", "429", "slow"
    ups["streamer"] = Upstream("streamer", delay=0.02, reply=" ".join(f"w{i}" for i in range(60)))
    ups["bare"] = Upstream("bare", sends_usage=False, reply="one two three four")
    with ExitStack() as stack:
        for upstream in ups.values():
            stack.enter_context(serve_upstream(upstream))
        path = Path(tmp_path_factory.mktemp("gateway")) / "gateway.yaml"
        path.write_text(yaml.safe_dump(gateway_config(ups)))
        os.environ["COGNIFY_GATEWAY_CONFIG"] = str(path)
        get_settings.cache_clear()
        get_core.cache_clear()
        yield ups
        get_core().ledger.flush()
        os.environ.pop("COGNIFY_GATEWAY_CONFIG", None)
        get_settings.cache_clear()
        get_core.cache_clear()


@pytest.fixture(scope="session")
def gateway_url(upstreams: dict[str, Upstream]) -> Iterator[str]:
    """The whole app served by uvicorn on a free port (for the openai SDK)."""
    from cognify.app import create_app

    with ServerThread(create_app()) as server:
        yield f"http://127.0.0.1:{server.port}"


@pytest.fixture
def gw_tenant(make_tenant, client, upstreams):
    """Factory: a tenant (plan/region), an admin token and a fresh virtual key for it."""
    from gateway_helpers import GatewayTenant

    def make(plan: str = "free", region: str | None = None, **key: Any) -> GatewayTenant:
        return GatewayTenant.create(client, make_tenant(region=region, plan=plan), key)

    return make
