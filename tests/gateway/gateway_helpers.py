"""Helpers for gateway tests: a tenant with an owner token and a virtual key; ledger reads."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from sqlalchemy import text

BUDGET_OUT = 0.001


@dataclass
class GatewayTenant:
    """A tenant ready to call the gateway."""

    id: UUID
    slug: str
    owner_id: UUID
    owner_headers: dict[str, str]
    key: str
    key_id: UUID

    @property
    def key_headers(self) -> dict[str, str]:
        """Bearer headers with the virtual key."""
        return {"Authorization": f"Bearer {self.key}"}

    @classmethod
    def create(cls, client: TestClient, tenant: Any, key: dict[str, Any]) -> "GatewayTenant":
        """Log the owner in and create a key through the admin API."""
        response = client.post("/api/v1/auth/token", data={
            "username": tenant.owner_email, "password": tenant.password, "tenant": tenant.slug})
        assert response.status_code == 200, response.text
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        created = client.post("/api/v1/gateway/keys", json={"name": "test", **key}, headers=headers)
        assert created.status_code == 201, created.text
        body = created.json()
        return cls(tenant.id, tenant.slug, tenant.owner_id, headers, body["key"], UUID(body["id"]))


def ledger_rows(tenant_id: UUID) -> list[dict[str, Any]]:
    """Every ledger row of a tenant, oldest first (after flushing the writer)."""
    from cognify.db import owner_engine
    from gateway.service import get_core

    get_core().ledger.flush()
    with owner_engine().connect() as conn:
        query = text("SELECT * FROM gateway_usage WHERE tenant_id = :t ORDER BY created_at")
        rows = conn.execute(query,
                            {"t": tenant_id})
        return [dict(r._mapping) for r in rows]


def chat(model: str, content: str = "hello", **extra: Any) -> dict[str, Any]:
    """A chat request body."""
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}
