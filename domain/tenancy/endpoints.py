"""Tenant endpoints: the caller's own tenant only."""

from typing import Any

from fastapi import APIRouter
from pydantic import field_validator
from sqlmodel import Field

from cognify.api import SessionDep
from cognify.errors import Forbidden
from cognify.models import Patch
from domain.identity.deps import CurrentActor
from domain.privacy.models import PrivacySettings
from domain.tenancy.models import Tenant, TenantPublic
from domain.tenancy.service import get_current

router = APIRouter(prefix="/api/v1/tenants", tags=["tenancy"])


class TenantUpdate(Patch):
    """Branding and settings an admin may change."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    customizations: dict[str, Any] | None = None
    theme: dict[str, Any] | None = None

    @field_validator("customizations")
    @classmethod
    def _known_privacy_settings(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and "privacy" in value:
            value["privacy"] = PrivacySettings.model_validate(value["privacy"]).model_dump()
        return value


@router.get("/{slug}", response_model=TenantPublic)
def read_tenant(session: SessionDep, actor: CurrentActor, slug: str) -> Tenant:
    """The caller's tenant by slug (`current` works too); another tenant's slug is refused."""
    tenant = get_current(session, actor.tenant_id)
    if slug not in ("current", tenant.slug):
        raise Forbidden("Token is not valid for this tenant", code="wrong_tenant")
    return tenant


@router.patch("/current", response_model=TenantPublic)
def update_tenant(session: SessionDep, actor: CurrentActor, body: TenantUpdate) -> Tenant:
    """Change the caller's tenant's name, branding or customizations."""
    if not actor.can("tenant:manage"):
        raise Forbidden("Missing permission 'tenant:manage'")
    tenant = get_current(session, actor.tenant_id)
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(tenant, field, value)
    session.add(tenant)
    session.flush()
    return tenant
