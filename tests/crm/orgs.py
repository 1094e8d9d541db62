"""Fast test tenants: rows written directly as a platform operation, tokens minted directly.

The shared fixtures provision tenants through the API with argon2 password hashes and logins;
CRM and analytics tests need dozens of tenants and roles, so they skip the password round trip
(the token is the same real JWT, checked by the same dependency against the same user row).
"""

import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import text

from cognify.db import TenantSession, owner_engine, tenant_session
from cognify.security import Role, TokenClaims, create_access_token
from domain.identity.models import User
from domain.tenancy.models import Tenant


@dataclass
class Org:
    """A tenant with users made on demand."""

    id: UUID
    slug: str
    users: dict[str, tuple[UUID, dict[str, str]]] = field(default_factory=dict)

    def user(self, role: str, key: str | None = None) -> tuple[UUID, dict[str, str]]:
        """A user of the role (the same one per key); (id, bearer headers)."""
        key = key or role
        if key not in self.users:
            self.users[key] = add_user(self.id, Role(role))
        return self.users[key]

    def headers(self, role: str) -> dict[str, str]:
        """Bearer headers for this tenant's user of the role."""
        return self.user(role)[1]

    def count(self, table: str) -> int:
        """Rows of a table visible in this tenant."""
        assert table.isidentifier()
        with tenant_session(self.id) as session:
            return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def make_org() -> Org:
    """A new tenant with no users yet."""
    tenant_id = uuid.uuid4()
    slug = f"t-{tenant_id.hex[:10]}"
    with TenantSession(owner_engine(), tenant_id) as session, session.begin():
        session.add(Tenant(id=tenant_id, slug=slug, name=f"Tenant {slug}"))
    return Org(tenant_id, slug)


def add_user(tenant_id: UUID, role: Role) -> tuple[UUID, dict[str, str]]:
    """A user row of the role and a token for it."""
    user = User(tenant_id=tenant_id, email=f"{role}-{uuid.uuid4().hex[:8]}@example.com",
                full_name=f"A {role}", role=role)
    with TenantSession(owner_engine(), tenant_id) as session, session.begin():
        session.add(user)
    token, _ = create_access_token(TokenClaims(user.id, tenant_id, role))
    return user.id, {"Authorization": f"Bearer {token}"}


def field_of(response: Any) -> str:
    """The field a 422 names (request validation or a service rule)."""
    error = response.json()["error"]
    details = error.get("details")
    if isinstance(details, list):
        return details[0]["field"]
    if isinstance(details, dict) and "field" in details:
        return details["field"]
    return error["message"].split(":", 1)[0]
