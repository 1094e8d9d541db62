"""Tenants: the schools and training companies Cognify serves."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from cognify.models import id_field, json_field, timestamp_field

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
REGION_PATTERN = r"^[a-z]{2}(?:-[a-z0-9-]+)?$"


class TenantBase(SQLModel):
    """Fields a tenant is created with."""

    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(max_length=63, schema_extra={"pattern": SLUG_PATTERN}, unique=True, index=True)
    plan: str = Field(default="free", max_length=40)
    region: str | None = Field(default=None, max_length=40, schema_extra={"pattern": REGION_PATTERN})


class TenantCreate(TenantBase):
    """A new tenant."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    customizations: dict[str, Any] = Field(default_factory=dict)
    theme: dict[str, Any] = Field(default_factory=dict)


class Tenant(TenantBase, table=True):
    """A tenant row; isolated by row-level security on its own id."""

    __tablename__ = "tenants"
    id: UUID = id_field()
    customizations: dict[str, Any] = json_field()
    theme: dict[str, Any] = json_field()
    is_active: bool = True
    created_at: datetime = timestamp_field()


class TenantPublic(TenantBase):
    """A tenant as the API shows it."""

    id: UUID
    customizations: dict[str, Any]
    theme: dict[str, Any]
    created_at: datetime
