"""Platform operations on tenants: provisioning one with its first owner, counting them, finding one.

A tenant is listed in the directory (home database) first, then created with its owner in one
transaction of its region's database; if that fails, the listing is withdrawn.
"""

from uuid import UUID, uuid4

from sqlalchemy import text

from cognify import regions
from cognify.db import TenantSession, owner_engine, tenant_ids, tenant_session
from cognify.errors import Conflict
from cognify.security import Role
from domain.identity import service as identity
from domain.identity.models import User, UserCreate
from domain.tenancy import service as tenancy
from domain.tenancy.models import Tenant, TenantCreate


def provision_tenant(data: TenantCreate, owner: UserCreate) -> tuple[Tenant, User]:
    """Create a tenant and its owner in the tenant's region (platform operation, as the owner role)."""
    owner = owner.model_copy(update={"role": Role.owner})
    region = regions.placement(data.region)
    tenant_id = uuid4()
    with owner_engine().begin() as home:
        if home.execute(text("SELECT 1 FROM tenant_directory WHERE slug = :s"), {"s": data.slug}).first():
            raise Conflict(f"A tenant with slug '{data.slug}' already exists", code="slug_taken")
        home.execute(text("INSERT INTO tenant_directory (id, slug, region) VALUES (:t, :s, :r)"),
                     {"t": tenant_id, "s": data.slug, "r": region})
    try:
        with TenantSession(owner_engine(region), tenant_id) as session, session.begin():
            tenant = tenancy.create_tenant(session, data, tenant_id)
            user = identity.create_user(session, None, owner)
    except BaseException:
        with owner_engine().begin() as home:
            home.execute(text("DELETE FROM tenant_directory WHERE id = :t"), {"t": tenant_id})
        raise
    return tenant, user


def count_tenants() -> int:
    """How many tenants exist, in every region (platform operation)."""
    return len(tenant_ids())


def resolve_tenant(slug: str) -> UUID | None:
    """An active tenant's id by slug, wherever it lives (as the app role: the directory, then the
    tenant's region's SECURITY DEFINER lookup, which knows whether it is active)."""
    region = None
    if regions.configured():
        listing = regions.find_slug(slug)
        if listing is None:
            return None
        region = listing.region
    with tenant_session(None, region=region) as session:
        return tenancy.resolve_slug(session, slug)
