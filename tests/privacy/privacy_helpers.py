"""Helpers the privacy tests share: tokens, one-row queries, and waiting for a request to finish."""

import time
from uuid import UUID

from sqlalchemy import text

from cognify.db import tenant_session
from cognify.security import Role, TokenClaims, create_access_token


def bearer(tenant_id: UUID, user_id: UUID, role: str) -> dict[str, str]:
    token, _ = create_access_token(TokenClaims(user_id, tenant_id, Role(role)))
    return {"Authorization": f"Bearer {token}"}


def one(tenant_id: UUID, statement: str, **params) -> dict:
    with tenant_session(tenant_id) as session:
        return dict(session.execute(text(statement), params).mappings().one())


def wait_done(client, headers, request_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/privacy/requests/{request_id}", headers=headers).json()
        if body["state"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)
