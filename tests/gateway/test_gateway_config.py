"""Config loading: LiteLLM's format, our additions, and errors that name the bad field."""

from pathlib import Path

import pytest
import yaml

from cognify.errors import ConfigurationError
from gateway.config import embedded_config, load_config, parse_config
from gateway.router import RouterSet

BASE = {"model_list": [{"model_name": "copilot", "litellm_params": {
    "model": "openai/x", "api_base": "http://127.0.0.1:9/v1", "api_key": "k"}}]}


def _bad(doc: dict, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        parse_config(doc)


def test_valid_config_builds_router_with_region_routes(tmp_path: Path) -> None:
    doc = {**BASE, "model_list": [*BASE["model_list"], {
        "model_name": "copilot", "litellm_params": {"model": "openrouter/x"},
        "model_info": {"id": "eu-1", "region": "eu", "input_cost_per_token": 0.000002}}],
        "router_settings": {"num_retries": 1, "cooldown_time": 5, "routing_strategy": "simple-shuffle"},
        "policies": {"plans": {"pro": {"allowed_groups": ["copilot"], "rpm": 10}}}}
    path = tmp_path / "g.yaml"
    path.write_text(yaml.safe_dump(doc))
    routers = RouterSet(load_config(path))
    assert [d.id for d in routers.route("copilot", None).deployments] == ["copilot-1", "eu-1"]
    assert [d.id for d in routers.route("copilot", "eu").deployments] == ["eu-1"]
    assert routers.route("copilot", "us") is None
    assert routers.by_id["eu-1"].input_nano == pytest.approx(2000)


def test_invalid_fields_fail_with_their_path() -> None:
    _bad({"model_list": [{"model_name": "c", "litellm_params": {"model": "nope"}}]},
         r"model_list\.0\.litellm_params")
    _bad({**BASE, "model_list": [{**BASE["model_list"][0], "model_info": {"region": "Europe!"}}]},
         r"model_list\.0\.model_info\.region")
    _bad({**BASE, "router_settings": {"num_retrys": 2}}, r"router_settings.*num_retrys")
    _bad({**BASE, "router_settings": {"fallbacks": [{"copilot": ["ghost"]}]}}, "unknown model group 'ghost'")
    _bad({**BASE, "policies": {"plans": {"p": {"rpm": 0}}}}, r"policies\.plans\.p\.rpm")
    _bad({**BASE, "policies": {"default": {"allowed_groups": ["tutor"]}}}, "policies.default.allowed_groups")
    _bad({**BASE, "model_list": [{**BASE["model_list"][0], "litellm_params": {
        "model": "openai/x", "api_key": "os.environ/COGNIFY_TEST_MISSING_KEY"}}]},
         r"model_list\.0\.litellm_params\.api_key: environment variable COGNIFY_TEST_MISSING_KEY")


def test_embedded_default_routes_every_group_locally() -> None:
    config = embedded_config("http://127.0.0.1:8765/v1")
    assert config.embedded and {"copilot", "tutor", "fast", "embed"} <= set(config.groups)
    chat = [d for d in config.model_list if d.model_name != "embed"]
    assert all(d.litellm_params["api_base"] == "http://127.0.0.1:8765/v1" for d in chat)
    [embed] = [d for d in config.model_list if d.model_name == "embed"]
    assert embed.litellm_params["model"] == "cognify-local/all-minilm-l6-v2"
    assert embed.model_info.region == "*"
    assert not any(d.model_info.external for d in config.model_list)
    assert "fallbacks" not in config.router_settings


def test_models_list_says_embedded_default(services) -> None:
    import asyncio
    import uuid

    from gateway.policy import TenantProfile
    from gateway.service import GatewayCore

    async def listed() -> list[dict]:
        gateway = GatewayCore(embedded_config()).for_loop()
        return gateway.models(TenantProfile(uuid.uuid4(), "x", "free", None))

    models = asyncio.run(listed())
    assert {m["id"] for m in models} >= {"copilot", "tutor", "fast"}
    assert all("SmolLM2-135M" in m["owned_by"] for m in models)
