"""The embedded default's `embed` route (local MiniLM, every region) and the Prometheus counters."""

import asyncio

import numpy as np
from gateway_helpers import chat, ledger_rows
from prometheus_client.parser import text_string_to_metric_families


def test_embedded_default_embeds_locally_for_an_eu_tenant(make_tenant) -> None:
    from gateway.config import embedded_config
    from gateway.policy import Caller
    from gateway.service import GatewayCore
    from vector.embedder import GatewayEmbedder, default_embedder
    from vector.local_model import local_model

    core = GatewayCore(embedded_config())
    tenant = make_tenant(region="eu")
    texts = ["Capacitors store charge.", "Heat flows from hot to cold."]

    async def embed() -> dict:
        return await core.for_loop().embed(Caller(tenant.id, tenant.owner_id, None, "retrieval"),
                                           {"model": "embed", "input": texts})

    vectors = [d["embedding"] for d in sorted(asyncio.run(embed())["data"], key=lambda d: d["index"])]
    assert [len(v) for v in vectors] == [384, 384]
    assert np.allclose(vectors, local_model().encode(texts), atol=1e-6)
    core.ledger.flush()
    [row] = ledger_rows(tenant.id)
    assert (row["model_group"], row["deployment"], row["purpose"], row["outcome"]) == (
        "embed", "local-embed", "retrieval", "ok")
    assert row["prompt_tokens"] > 0
    assert isinstance(default_embedder(tenant.id, tenant.owner_id), GatewayEmbedder)


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics").text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_requests_tokens_and_cost_by_group(client, gw_tenant) -> None:
    t = gw_tenant()
    labels = (("deployment", "fast-vllm"), ("group", "fast"))
    keys = {
        "requests": ("cognify_gateway_requests_total", (*labels, ("outcome", "ok"))),
        "prompt": ("cognify_gateway_tokens_total", (labels[0], labels[1], ("kind", "prompt"))),
        "completion": ("cognify_gateway_tokens_total", (labels[0], labels[1], ("kind", "completion"))),
        "cost": ("cognify_gateway_cost_usd_total", labels),
        "latency": ("cognify_gateway_latency_seconds_count", labels),
    }
    before = _samples(client)
    response = client.post("/v1/chat/completions", json=chat("fast"), headers=t.key_headers)
    assert response.status_code == 200, response.text
    after = _samples(client)
    delta = {name: after[key] - before.get(key, 0.0) for name, key in keys.items()}
    assert delta["requests"] == 1 and delta["latency"] == 1
    assert (delta["prompt"], delta["completion"]) == (10, 5)
    assert abs(delta["cost"] - (10 * 0.000001 + 5 * 0.000002)) < 1e-12
