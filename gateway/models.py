"""Gateway tables: virtual keys (hash only) and the usage ledger, both tenant-scoped under RLS."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import ConfigDict
from sqlalchemy import DateTime, Numeric
from sqlmodel import Field, SQLModel

from cognify.models import TenantScoped


class VirtualKeyBase(SQLModel):
    """Fields a key is created with."""

    name: str = Field(default="", max_length=100)
    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    rpm: int | None = Field(default=None, ge=1, le=2_147_483_647)  # the columns are PostgreSQL integers
    tpm: int | None = Field(default=None, ge=1, le=2_147_483_647)


class VirtualKeyCreate(VirtualKeyBase):
    """A new key."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class VirtualKey(VirtualKeyBase, TenantScoped, table=True):
    """A key row: only the SHA-256 of the secret is stored."""

    __tablename__ = "gateway_keys"
    budget_usd: Decimal | None = Field(default=None, sa_type=Numeric(12, 2))
    key_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_by: UUID | None = None
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class VirtualKeyPublic(VirtualKeyBase):
    """A key as the API lists it (never the secret)."""

    id: UUID
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class VirtualKeyCreated(VirtualKeyPublic):
    """The answer to creating a key: the only time the secret is shown."""

    key: str


class VirtualKeysPublic(SQLModel):
    """A page of keys."""

    data: list[VirtualKeyPublic]
    count: int


class UsageRecord(TenantScoped, table=True):
    """One gateway call (cost in USD with nine decimals: single calls cost fractions of a cent)."""

    __tablename__ = "gateway_usage"
    user_id: UUID | None = None
    key_id: UUID | None = None
    purpose: str = Field(max_length=20)
    model_group: str = Field(max_length=100)
    deployment: str | None = Field(default=None, max_length=200)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Field(default=Decimal(0), sa_type=Numeric(18, 9))
    latency_ms: int = 0
    ttft_ms: int | None = None
    cache_hit: bool = False
    stream: bool = False
    outcome: str = Field(max_length=40)
    request_id: str | None = Field(default=None, max_length=64)  # the X-Request-ID of the HTTP request served
