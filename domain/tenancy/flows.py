"""Provisioning a tenant with its first owner, in one transaction."""

from uuid import UUID, uuid4

from sqlalchemy import text

from cognify.db import TenantSession, owner_engine
from cognify.security import Role
from domain.identity import service as identity
from domain.identity.models import User, UserCreate
from domain.tenancy import service as tenancy
from domain.tenancy.models import Tenant, TenantCreate


def provision_tenant(data: TenantCreate, owner: UserCreate) -> tuple[Tenant, User]:
    """Create a tenant and its owner (platform operation, as the owner role)."""
    owner = owner.model_copy(update={"role": Role.owner})
    tenant_id = uuid4()
    with TenantSession(owner_engine(), tenant_id) as session, session.begin():
        tenant = tenancy.create_tenant(session, data, tenant_id)
        user = identity.create_user(session, None, owner)
    return tenant, user


def count_tenants() -> int:
    """How many tenants exist (platform operation)."""
    with TenantSession(owner_engine(), None) as session:
        return int(session.execute(text("SELECT count(*) FROM tenants")).scalar_one())


def resolve_tenant(slug: str) -> UUID | None:
    """A tenant id by slug (platform operation)."""
    with TenantSession(owner_engine(), None) as session:
        return tenancy.resolve_slug(session, slug)
