"""The tenant's webhook secret and the payloads the webhooks accept."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr
from pydantic import Field as PydanticField
from sqlalchemy import text
from sqlmodel import Field, SQLModel

from cognify.models import timestamp_field
from domain.sis.billing_models import PaymentMethod, PaymentStatus


class TenantSecret(SQLModel, table=True):
    """One webhook secret per tenant."""

    __tablename__ = "tenant_secrets"
    tenant_id: UUID = Field(
        primary_key=True, foreign_key="tenants.id", ondelete="CASCADE",
        sa_column_kwargs={"server_default": text("cognify_current_tenant()")},
    )
    webhook_secret: str = Field(max_length=200)
    rotated_at: datetime = timestamp_field()


class WebhookSecretPublic(SQLModel):
    """The secret as its admin reads it, with the header format to sign with."""

    webhook_secret: str
    rotated_at: datetime
    header: str = "X-Cognify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.' + raw body>"


class LeadForm(BaseModel):
    """A web-form lead."""

    model_config = ConfigDict(extra="ignore")
    name: str = PydanticField(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = PydanticField(default=None, max_length=32)
    whatsapp: str | None = PydanticField(default=None, max_length=32)
    source: str = PydanticField(default="web_form", min_length=1, max_length=60)
    message: str | None = PydanticField(default=None, max_length=10_000)
    tags: list[str] = PydanticField(default_factory=list, max_length=20)
    marketing_consent: bool = False  # the form's opt-in box for marketing email


class PaymentNotice(BaseModel):
    """A payment gateway's notice about one payment of an invoice."""

    model_config = ConfigDict(extra="ignore")
    gateway_ref: str = PydanticField(min_length=1, max_length=200)
    invoice_id: UUID
    amount: Decimal
    currency: str = PydanticField(min_length=3, max_length=3)
    status: PaymentStatus = PaymentStatus.succeeded
    method: PaymentMethod = PaymentMethod.card
    txn_id: str | None = PydanticField(default=None, max_length=200)


class WebhookAccepted(BaseModel):
    """What a webhook answers once it has taken the delivery."""

    id: UUID
    created: bool
    detail: dict[str, Any] = PydanticField(default_factory=dict)
