"""The local model as the gateway's self-hosted `embed` deployment, through policy and the ledger."""

import asyncio

import numpy as np
from sqlalchemy import text

from cognify.db import tenant_session
from vector.embedder import GatewayEmbedder
from vector.local_model import local_model
from vector.provider import LOCAL_EMBED_MODEL, register_local_embedder


def test_gateway_embed_group_routes_to_the_local_model(make_tenant) -> None:
    from gateway.config import parse_config
    from gateway.service import GatewayCore

    register_local_embedder()
    core = GatewayCore(parse_config({
        "model_list": [{"model_name": "embed", "litellm_params": {"model": LOCAL_EMBED_MODEL},
                        "model_info": {"id": "local-embed", "external": False, "region": "eu",
                                       "input_cost_per_token": 0, "output_cost_per_token": 0}}],
        "policies": {"default": {"allowed_groups": ["*"]}},
    }))
    tenant = make_tenant(region="eu")
    embedder = GatewayEmbedder(tenant.id, tenant.owner_id, gateway=core.for_loop)
    [vector] = asyncio.run(embedder.embed(["Capacitors store charge."]))
    assert np.allclose(vector, local_model().encode(["Capacitors store charge."])[0], atol=1e-6)
    core.ledger.flush()
    with tenant_session(tenant.id) as session:
        row = session.execute(text("SELECT * FROM gateway_usage WHERE tenant_id = :t"),
                              {"t": tenant.id}).mappings().first()
    assert row is not None
