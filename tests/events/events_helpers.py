"""Events test helpers: waiting on the database with a deadline, SQL through RLS, fixtures' rows."""

import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID, uuid4

from sqlalchemy import text

from cognify.db import tenant_session
from cognify.security import Role, TokenClaims, create_access_token
from domain.identity.models import User

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll until `check()` is truthy; its value, or fail after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def sql(tenant_id: UUID, statement: str, **params: Any) -> Any:
    """The first column of the first row, as the app role inside a tenant."""
    with tenant_session(tenant_id) as session:
        return session.execute(text(statement), params).scalar()


def rows(tenant_id: UUID, statement: str, **params: Any) -> list[Any]:
    """Every row, as the app role inside a tenant."""
    with tenant_session(tenant_id) as session:
        return list(session.execute(text(statement), params).mappings().all())


def add_user(tenant_id: UUID, role: str, email: str | None = None) -> tuple[UUID, dict[str, str]]:
    """A user without a password and bearer headers for it."""
    with tenant_session(tenant_id) as session:
        user = User(tenant_id=tenant_id, email=email or f"{role}-{uuid4().hex[:8]}@example.com",
                    role=Role(role), full_name=f"A {role}")
        session.add(user)
    token, _ = create_access_token(TokenClaims(user.id, tenant_id, Role(role)))
    return user.id, {"Authorization": f"Bearer {token}"}


def webhook_secret(client: Any, headers: dict[str, str]) -> str:
    """The tenant's webhook secret as its admin reads it."""
    response = client.get("/api/v1/admin/webhook-secret", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["webhook_secret"]
