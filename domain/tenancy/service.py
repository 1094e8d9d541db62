"""Tenant lookups and creation."""

from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session

from cognify.errors import Conflict, NotFound
from domain.tenancy.models import Tenant, TenantCreate


def resolve_slug(session: Session, slug: str) -> UUID | None:
    """The id of an active tenant by slug, before any tenant is set (a SECURITY DEFINER lookup)."""
    return session.execute(text("SELECT cognify_tenant_id(:slug)"), {"slug": slug}).scalar()


def get_current(session: Session, tenant_id: UUID) -> Tenant:
    """The session's own tenant."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("Tenant not found")
    return tenant


def create_tenant(session: Session, data: TenantCreate, tenant_id: UUID) -> Tenant:
    """A new tenant (platform operation, run as the owner role)."""
    if session.execute(text("SELECT 1 FROM tenants WHERE slug = :s"), {"s": data.slug}).first():
        raise Conflict(f"A tenant with slug '{data.slug}' already exists", code="slug_taken")
    tenant = Tenant.model_validate(data.model_dump() | {"id": tenant_id})
    session.add(tenant)
    session.flush()
    return tenant
