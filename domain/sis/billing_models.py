"""Invoices and payments: exact Decimal amounts with an ISO-4217 currency."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, PlainSerializer
from sqlalchemy import CHAR, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from cognify.models import Patch, TenantScoped, timestamp_field
from domain.sis.money import Currency, Money

MoneyOut = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json")]


class InvoiceStatus(enum.StrEnum):
    """Where an invoice is in its life."""

    draft = "draft"
    open = "open"
    paid = "paid"
    void = "void"
    overdue = "overdue"


class InvoiceBase(SQLModel):
    """Fields shared by every invoice shape."""

    student_id: UUID
    course_id: UUID | None = None
    due_date: date | None = None
    description: str = Field(default="", max_length=2000)


class InvoiceCreate(InvoiceBase):
    """A new invoice."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    amount: Money
    currency: Currency
    status: InvoiceStatus = InvoiceStatus.open
    txn_id: str | None = Field(default=None, max_length=200)


class InvoiceUpdate(Patch):
    """A change to an invoice; every field optional."""

    nullable = frozenset({"course_id", "due_date", "txn_id"})

    course_id: UUID | None = None
    amount: Money | None = None
    currency: Currency | None = None
    status: InvoiceStatus | None = None
    due_date: date | None = None
    txn_id: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class Invoice(InvoiceBase, TenantScoped, table=True):
    """An invoice row."""

    __tablename__ = "invoices"
    student_id: UUID = Field(foreign_key="students.id", ondelete="RESTRICT", index=True)
    course_id: UUID | None = Field(default=None, foreign_key="courses.id", ondelete="SET NULL", index=True)
    amount: Decimal = Field(sa_type=Numeric(12, 2))
    currency: str = Field(sa_type=CHAR(3))
    status: InvoiceStatus = Field(default=InvoiceStatus.open, sa_type=String(20), index=True)
    txn_id: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", sa_type=Text)
    updated_at: datetime = timestamp_field()


class InvoicePublic(InvoiceBase):
    """An invoice as the API shows it; amounts as strings."""

    id: UUID
    amount: MoneyOut
    currency: str
    status: InvoiceStatus
    txn_id: str | None
    created_at: datetime
    updated_at: datetime


class InvoicesPublic(SQLModel):
    """A page of invoices."""

    data: list[InvoicePublic]
    count: int


class PaymentMethod(enum.StrEnum):
    """How the money came in."""

    card = "card"
    bank = "bank"
    cash = "cash"
    upi = "upi"
    other = "other"


class PaymentStatus(enum.StrEnum):
    """The gateway's verdict on a payment."""

    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    refunded = "refunded"


class PaymentBase(SQLModel):
    """Fields shared by every payment shape."""

    invoice_id: UUID
    gateway_ref: str = Field(min_length=1, max_length=200)
    txn_id: str | None = Field(default=None, max_length=200)
    method: PaymentMethod = PaymentMethod.card
    status: PaymentStatus = PaymentStatus.succeeded
    received_at: datetime | None = None


class PaymentCreate(PaymentBase):
    """A payment to record; replaying the same `gateway_ref` is idempotent."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    amount: Money
    currency: Currency


class PaymentUpdate(Patch):
    """A change to a payment's status or references; amounts are immutable."""

    nullable = frozenset({"txn_id"})

    status: PaymentStatus | None = None
    txn_id: str | None = Field(default=None, max_length=200)
    method: PaymentMethod | None = None


class Payment(PaymentBase, TenantScoped, table=True):
    """A payment row."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("tenant_id", "gateway_ref", name="uq_payments_tenant_gateway_ref"),)
    invoice_id: UUID = Field(foreign_key="invoices.id", ondelete="RESTRICT", index=True)
    gateway_ref: str = Field(max_length=200)
    amount: Decimal = Field(sa_type=Numeric(12, 2))
    currency: str = Field(sa_type=CHAR(3))
    method: PaymentMethod = Field(default=PaymentMethod.card, sa_type=String(20))
    status: PaymentStatus = Field(default=PaymentStatus.succeeded, sa_type=String(20))
    received_at: datetime | None = timestamp_field()
    updated_at: datetime = timestamp_field()


class PaymentPublic(PaymentBase):
    """A payment as the API shows it; amounts as strings."""

    id: UUID
    amount: MoneyOut
    currency: str
    created_at: datetime
    updated_at: datetime


class PaymentsPublic(SQLModel):
    """A page of payments."""

    data: list[PaymentPublic]
    count: int
