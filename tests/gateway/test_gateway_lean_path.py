"""The lean path for self-hosted OpenAI-compatible deployments, and when the Router's full path is kept."""

import json
from typing import Any

import pytest
from gateway_helpers import chat, ledger_rows

from gateway.config import parse_config
from gateway.direct import USER_AGENT
from gateway.router import RouterSet


def _config(params: dict[str, Any] | None = None, router: dict[str, Any] | None = None,
            **top: Any) -> dict[str, Any]:
    return {"model_list": [
        {"model_name": "vllm", "litellm_params": {"model": "hosted_vllm/m", "api_base": "http://127.0.0.1:9/v1",
                                                  **(params or {})}},
        {"model_name": "remote", "litellm_params": {"model": "openrouter/x/y", "api_base": "http://127.0.0.1:9"}},
    ], "router_settings": router or {}, **top}


@pytest.mark.parametrize(("config", "direct"), [
    (_config(), True),
    (_config(router={"num_retries": 2, "cooldown_time": 5, "fallbacks": [{"vllm": ["remote"]}]}), True),
    (_config(direct_self_hosted=False), False),
    (_config(router={"routing_strategy": "usage-based-routing-v2"}), False),
    (_config(params={"rpm": 10}), False),
    (_config(params={"temperature": 0.1}), False),
])
def test_lean_path_only_where_it_cannot_change_routing(config: dict[str, Any], direct: bool) -> None:
    routes = RouterSet(parse_config(config)).routes
    assert routes["vllm"].direct is direct
    assert routes["remote"].direct is False


def test_self_hosted_calls_skip_litellm_and_external_ones_do_not(client, gw_tenant, upstreams) -> None:
    t = gw_tenant()
    r = client.post("/v1/chat/completions", json=chat("fast", "lean"), headers=t.key_headers)
    assert r.status_code == 200, r.text
    assert upstreams["main"].headers[-1]["user-agent"] == USER_AGENT
    assert upstreams["main"].headers[-1]["authorization"] == "Bearer sk-upstream"
    assert upstreams["main"].received[-1]["model"] == "fast-model"
    r = client.post("/v1/chat/completions", json=chat("tutor", "full"), headers=t.key_headers)
    assert r.status_code == 200, r.text
    assert upstreams["router"].headers[-1]["user-agent"] != USER_AGENT
    rows = ledger_rows(t.id)
    assert [(row["deployment"], row["prompt_tokens"], row["completion_tokens"]) for row in rows] == [
        ("fast-vllm", 10, 5), ("tutor-openrouter", 10, 5)]


def test_a_failed_lean_attempt_is_not_repeated_before_the_fallback(client, gw_tenant, upstreams) -> None:
    t = gw_tenant()
    r = client.post("/v1/chat/completions", json=chat("fb-once", "once"), headers=t.key_headers)
    assert r.status_code == 200, r.text
    assert [b["model"] for b in upstreams["bad500"].received].count("once-model") == 1
    assert ledger_rows(t.id)[-1]["deployment"] == "openrouter-backup"


def test_stream_from_an_upstream_without_usage_still_ends_with_usage(client, gw_tenant, upstreams) -> None:
    t = gw_tenant()
    with client.stream("POST", "/v1/chat/completions", json=chat("stream-bare", "hi", stream=True),
                       headers=t.key_headers) as response:
        assert response.status_code == 200
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join((c["choices"][0].get("delta") or {}).get("content") or "" for c in chunks if c["choices"])
    assert text == "one two three four"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    row = ledger_rows(t.id)[-1]
    assert (row["deployment"], row["stream"], row["outcome"]) == ("bare-llamacpp", True, "ok")
    assert row["completion_tokens"] == chunks[-1]["usage"]["completion_tokens"]
