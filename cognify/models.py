"""Column helpers shared by every table."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Column, DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, timezone-aware."""
    return datetime.now(UTC)


def id_field() -> Any:
    """A random UUID primary key."""
    return Field(default_factory=uuid4, primary_key=True)


def tenant_field() -> Any:
    """The owning tenant; defaults in the database to the transaction's tenant."""
    return Field(
        foreign_key="tenants.id", index=True, ondelete="CASCADE",
        sa_column_kwargs={"server_default": text("cognify_current_tenant()")},
    )


def timestamp_field(**kw: Any) -> Any:
    """A timezone-aware timestamp, now by default."""
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kw)


def json_field(default: Any = dict) -> Any:
    """A JSONB column."""
    return Field(default_factory=default, sa_column=Column(JSONB, nullable=False))


class TenantScoped(SQLModel):
    """Base for tables every row of which belongs to one tenant."""

    id: UUID = id_field()
    tenant_id: UUID = tenant_field()
    created_at: datetime = timestamp_field()
