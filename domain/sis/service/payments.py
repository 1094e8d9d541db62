"""Payments against invoices, idempotent by gateway reference; a covering payment pays the invoice."""

from uuid import UUID

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cognify.crud import apply_update, order_by, page
from cognify.errors import Conflict, NotFound
from cognify.models import utcnow
from cognify.security import Actor
from domain.sis.billing_models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentCreate,
    PaymentMethod,
    PaymentStatus,
    PaymentUpdate,
)
from domain.sis.service.access import finance_scope, invalid, require, visible_student_ids
from domain.sis.service.invoices import check_amount, settle

PAYMENT_SORTS = ("created_at", "received_at", "amount", "status")
# Which status a gateway may move a payment to next.
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.pending: frozenset({PaymentStatus.succeeded, PaymentStatus.failed}),
    PaymentStatus.succeeded: frozenset({PaymentStatus.refunded}),
    PaymentStatus.failed: frozenset(),
    PaymentStatus.refunded: frozenset(),
}


def _transition(payment: Payment, status: PaymentStatus) -> None:
    current = PaymentStatus(payment.status)
    if status != current and status not in TRANSITIONS[current]:
        raise Conflict(f"A {current.value} payment cannot become {status.value}",
                       code="invalid_transition")


def _replay(session: Session, existing: Payment, data: PaymentCreate) -> Payment:
    """The same gateway reference again: the same payment, or a status change the gateway reports."""
    same = (existing.invoice_id, existing.amount, existing.currency) == (
        data.invoice_id, data.amount, data.currency)
    if not same:
        raise Conflict(f"gateway_ref '{data.gateway_ref}' is already recorded for a different payment",
                       code="duplicate_gateway_ref", details={"field": "gateway_ref"})
    if data.status != existing.status:
        _transition(existing, data.status)
        apply_update(session, existing, {"status": data.status})
    return existing


def record_payment(session: Session, actor: Actor | None, data: PaymentCreate) -> tuple[Payment, bool]:
    """Record a payment (idempotent by gateway_ref) and settle its invoice; (payment, created).

    `actor=None` is the platform acting for a payment gateway (the webhook).
    """
    if actor is not None:
        require(actor, "finance:manage")
    invoice = session.get(Invoice, data.invoice_id, with_for_update=True)
    if invoice is None:
        raise invalid("invoice_id", "no such invoice")
    existing = session.exec(select(Payment).where(Payment.gateway_ref == data.gateway_ref)).first()
    if existing is not None:
        payment = _replay(session, existing, data)
        settle(session, invoice, payment.txn_id or payment.gateway_ref)
        return payment, False
    if data.currency != invoice.currency:
        raise invalid("currency", f"payment currency {data.currency} does not match the invoice "
                                  f"currency {invoice.currency}")
    check_amount(data.amount, data.currency)
    if invoice.status == InvoiceStatus.void:
        raise Conflict("Invoice is void; it takes no payments")
    payment = Payment(**data.model_dump(exclude={"received_at"}), received_at=data.received_at or utcnow())
    session.add(payment)
    session.flush()
    settle(session, invoice, payment.txn_id or payment.gateway_ref)
    return payment, True


def _scoped(actor: Actor) -> SelectOfScalar[Payment]:
    query = select(Payment)
    scope = finance_scope(actor)
    if scope is not None:
        invoices = select(Invoice.id).where(col(Invoice.student_id).in_(visible_student_ids(scope)))
        query = query.where(col(Payment.invoice_id).in_(invoices))
    return query


def list_payments(
    session: Session, actor: Actor, *, invoice_id: UUID | None = None, status: PaymentStatus | None = None,
    method: PaymentMethod | None = None, gateway_ref: str | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Payment], int]:
    """A page of the payments the actor may see."""
    query = _scoped(actor)
    for column, value in ((Payment.invoice_id, invoice_id), (Payment.status, status),
                          (Payment.method, method), (Payment.gateway_ref, gateway_ref)):
        if value is not None:
            query = query.where(column == value)
    return page(session, order_by(query, Payment, sort, PAYMENT_SORTS), limit, offset)


def get_payment(session: Session, actor: Actor, payment_id: UUID) -> Payment:
    """One payment the actor may see; 404 otherwise."""
    payment = session.exec(_scoped(actor).where(Payment.id == payment_id)).first()
    if payment is None:
        raise NotFound("Payment not found")
    return payment


def update_payment(session: Session, actor: Actor, payment_id: UUID, data: PaymentUpdate) -> Payment:
    """Change a payment's status (pending -> succeeded/failed, succeeded -> refunded) or references."""
    payment = get_payment(session, actor, payment_id)
    require(actor, "finance:manage")
    invoice = session.get(Invoice, payment.invoice_id, with_for_update=True)
    if data.status is not None:
        _transition(payment, data.status)
    apply_update(session, payment, data)
    if invoice is not None:
        settle(session, invoice, payment.txn_id or payment.gateway_ref)
    return payment


def delete_payment(session: Session, actor: Actor, payment_id: UUID) -> None:
    """Remove a payment record and settle its invoice again."""
    payment = get_payment(session, actor, payment_id)
    require(actor, "finance:manage")
    invoice = session.get(Invoice, payment.invoice_id, with_for_update=True)
    session.delete(payment)
    session.flush()
    if invoice is not None:
        settle(session, invoice)
