"""Policy over HTTP: allow-list, region, redaction, budgets, limits, cache, fallbacks, providers."""

import asyncio
from decimal import Decimal

import httpx
from gateway_helpers import BUDGET_OUT, chat, ledger_rows


def test_unknown_or_disallowed_group_is_model_not_found(client, gw_tenant) -> None:
    t = gw_tenant(plan="restricted")
    for model in ("nope", "tutor"):
        r = client.post("/v1/chat/completions", json=chat(model), headers=t.key_headers)
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "model_not_found"
        assert set(r.json()["error"]) == {"message", "type", "code", "param"}
    assert client.post("/v1/chat/completions", json=chat("fast"), headers=t.key_headers).status_code == 200
    models = client.get("/v1/models", headers=t.key_headers).json()["data"]
    assert [m["id"] for m in models] == ["fast"]


def test_eu_tenant_reaches_only_eu_deployments(client, gw_tenant, upstreams) -> None:
    t = gw_tenant(region="eu")
    marker = f"eu-only-{t.slug}"
    for _ in range(4):
        r = client.post("/v1/chat/completions", json=chat("copilot", marker), headers=t.key_headers)
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"].startswith("eu says")
    assert marker in upstreams["eu"].texts()
    assert marker not in upstreams["main"].texts()
    refused = client.post("/v1/chat/completions", json=chat("tutor", marker), headers=t.key_headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "region_not_allowed"
    assert "'eu'" in refused.json()["error"]["message"]
    assert marker not in upstreams["router"].texts()
    assert {row["deployment"] for row in ledger_rows(t.id)} == {"copilot-eu"}


def test_pii_never_reaches_external_upstream_and_is_restored(client, gw_tenant, upstreams) -> None:
    t = gw_tenant(plan="redact")
    secret = "Write to jane.doe@example.com, card 4111 1111 1111 1111, id 123-45-6789"
    r = client.post("/v1/chat/completions", json=chat("tutor", secret), headers=t.key_headers)
    assert r.status_code == 200, r.text
    seen = upstreams["router"].texts()
    for value in ("jane.doe@example.com", "4111 1111 1111 1111", "123-45-6789"):
        assert value not in seen
        assert value in r.json()["choices"][0]["message"]["content"]
    assert "[EMAIL_1]" in seen and "[CARD_1]" in seen


def test_budget_race_never_overspends(gateway_url, gw_tenant, upstreams) -> None:
    t = gw_tenant(plan="tiny")

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=gateway_url, headers=t.key_headers, timeout=30) as http:
            return await asyncio.gather(*[
                http.post("/v1/chat/completions", json=chat("budget", f"race {i}", max_tokens=5))
                for i in range(50)])

    responses = asyncio.run(race())
    ok = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert 1 <= len(ok) <= 5
    assert len(ok) + len(refused) == 50
    assert all(r.json()["error"]["code"] == "insufficient_quota" for r in refused)
    spend = sum((row["cost_usd"] for row in ledger_rows(t.id)), Decimal(0))
    assert spend <= Decimal(str(5 * 5 * BUDGET_OUT))


def test_rpm_limit_returns_retry_after(client, gw_tenant) -> None:
    t = gw_tenant(plan="limited")
    codes = [client.post("/v1/chat/completions", json=chat("fast"), headers=t.key_headers) for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert codes[3].json()["error"]["code"] == "rate_limit_exceeded"
    assert int(codes[3].headers["retry-after"]) >= 1


def test_key_rpm_limit_applies_per_key(client, gw_tenant) -> None:
    t = gw_tenant(rpm=1)
    assert client.post("/v1/chat/completions", json=chat("fast"), headers=t.key_headers).status_code == 200
    second = client.post("/v1/chat/completions", json=chat("fast"), headers=t.key_headers)
    assert second.status_code == 429 and "API key" in second.json()["error"]["message"]


def test_cache_is_per_tenant(client, gw_tenant, upstreams) -> None:
    a, b = gw_tenant(plan="cached"), gw_tenant(plan="cached")
    body = chat("fast", f"cache me {a.slug}")
    first = client.post("/v1/chat/completions", json=body, headers=a.key_headers).json()
    again = client.post("/v1/chat/completions", json=body, headers=a.key_headers).json()
    assert first == again
    assert upstreams["main"].texts().count(f"cache me {a.slug}") == 1
    client.post("/v1/chat/completions", json=body, headers=b.key_headers)
    assert upstreams["main"].texts().count(f"cache me {a.slug}") == 2
    assert [row["cache_hit"] for row in ledger_rows(a.id)] == [False, True]


def _cooling(deployment: str) -> bool:
    from gateway.service import get_core

    gateways = list(get_core()._loops.values())
    return any(g.routers.router.health().cooldowns.get_active_cooldowns([deployment], None) for g in gateways)


def test_fallback_on_500_429_and_timeout(client, gw_tenant, upstreams) -> None:
    t = gw_tenant()
    for group, failing in (("fb-500", "fails-500"), ("fb-429", "fails-429"), ("fb-timeout", "times-out")):
        r = client.post("/v1/chat/completions", json=chat(group, f"fb {group}"), headers=t.key_headers)
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == f"router says: fb {group}"
        assert _cooling(failing), failing
    rows = ledger_rows(t.id)
    assert [(row["model_group"], row["deployment"]) for row in rows] == [
        ("fb-500", "openrouter-backup"), ("fb-429", "openrouter-backup"), ("fb-timeout", "openrouter-backup")]


def test_a_group_with_no_live_deployment_answers_503(client, gw_tenant, upstreams) -> None:
    t = gw_tenant()
    for attempt in range(2):  # refused, then cooling down: no deployment is live either way
        r = client.post("/v1/chat/completions", json=chat("down", f"anyone {attempt}"), headers=t.key_headers)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "no_deployment_available"
    assert client.get("/healthz").status_code == 200


def test_bedrock_converse(client, gw_tenant, upstreams) -> None:
    t = gw_tenant()
    r = client.post("/v1/chat/completions", json=chat("claude", "hola bedrock"), headers=t.key_headers)
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == "bedrock says: hola bedrock"
    assert r.json()["usage"]["prompt_tokens"] == 12
    assert upstreams["bedrock"].received[-1]["modelId"] == "anthropic.claude-3-haiku-20240307-v1:0"
    row = ledger_rows(t.id)[-1]
    assert (row["deployment"], row["prompt_tokens"], row["completion_tokens"]) == ("bedrock-haiku", 12, 6)
