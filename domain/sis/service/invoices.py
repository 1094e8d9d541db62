"""Invoices: finance staff issue them; students and parents read their own."""

from datetime import date
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page
from cognify.errors import Conflict, NotFound
from cognify.security import Actor
from domain.sis.billing_models import (
    Invoice,
    InvoiceCreate,
    InvoiceStatus,
    InvoiceUpdate,
    Payment,
    PaymentStatus,
)
from domain.sis.models import Student
from domain.sis.money import amount_error
from domain.sis.service.access import check_course, finance_scope, invalid, require, visible_student_ids

INVOICE_SORTS = ("created_at", "updated_at", "due_date", "amount", "status")


def check_amount(amount: Decimal, currency: str) -> None:
    """422 when the amount is not valid in its currency (e.g. cents in JPY)."""
    problem = amount_error(amount, currency)
    if problem:
        raise invalid("amount", problem)


def paid_total(session: Session, invoice_id: UUID) -> Decimal:
    """The sum of an invoice's succeeded payments."""
    total = session.exec(
        select(sa.func.coalesce(sa.func.sum(Payment.amount), 0)).where(
            Payment.invoice_id == invoice_id, Payment.status == PaymentStatus.succeeded)
    ).one()
    return Decimal(total)


def settle(session: Session, invoice: Invoice, txn_id: str | None = None) -> Invoice:
    """Mark the invoice paid when its succeeded payments cover it, or reopen it when they no longer do."""
    if invoice.status == InvoiceStatus.void:
        return invoice
    covered = paid_total(session, invoice.id) >= invoice.amount
    if covered and invoice.status != InvoiceStatus.paid:
        changes: dict[str, object] = {"status": InvoiceStatus.paid}
        if txn_id and not invoice.txn_id:
            changes["txn_id"] = txn_id
        apply_update(session, invoice, changes)
    elif not covered and invoice.status == InvoiceStatus.paid:
        overdue = invoice.due_date is not None and invoice.due_date < date.today()
        apply_update(session, invoice, {"status": InvoiceStatus.overdue if overdue else InvoiceStatus.open})
    return invoice


def create_invoice(session: Session, actor: Actor, data: InvoiceCreate) -> Invoice:
    """A new invoice for a student, optionally for a course."""
    require(actor, "finance:manage")
    if session.get(Student, data.student_id) is None:
        raise invalid("student_id", "no such student")
    if data.course_id is not None:
        check_course(session, data.course_id)
    if data.status == InvoiceStatus.paid:
        raise invalid("status", "an invoice becomes paid when payments covering it are recorded")
    check_amount(data.amount, data.currency)
    invoice = Invoice(**data.model_dump())
    session.add(invoice)
    session.flush()
    return invoice


def list_invoices(
    session: Session, actor: Actor, *, student_id: UUID | None = None, course_id: UUID | None = None,
    status: InvoiceStatus | None = None, currency: str | None = None, due_before: date | None = None,
    due_after: date | None = None, sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Invoice], int]:
    """A page of the invoices the actor may see."""
    query = select(Invoice)
    scope = finance_scope(actor)
    if scope is not None:
        query = query.where(col(Invoice.student_id).in_(visible_student_ids(scope)))
    for column, value in ((Invoice.student_id, student_id), (Invoice.course_id, course_id),
                          (Invoice.status, status), (Invoice.currency, currency and currency.upper())):
        if value is not None:
            query = query.where(column == value)
    if due_before is not None:
        query = query.where(col(Invoice.due_date) < due_before)
    if due_after is not None:
        query = query.where(col(Invoice.due_date) >= due_after)
    return page(session, order_by(query, Invoice, sort, INVOICE_SORTS), limit, offset)


def get_invoice(session: Session, actor: Actor, invoice_id: UUID) -> Invoice:
    """One invoice the actor may see; 404 otherwise."""
    query = select(Invoice).where(Invoice.id == invoice_id)
    scope = finance_scope(actor)
    if scope is not None:
        query = query.where(col(Invoice.student_id).in_(visible_student_ids(scope)))
    invoice = session.exec(query).first()
    if invoice is None:
        raise NotFound("Invoice not found")
    return invoice


def update_invoice(session: Session, actor: Actor, invoice_id: UUID, data: InvoiceUpdate) -> Invoice:
    """Change an invoice; its amount and currency are fixed once money has been received."""
    invoice = get_invoice(session, actor, invoice_id)
    require(actor, "finance:manage")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("course_id") is not None:
        check_course(session, changes["course_id"])
    received = paid_total(session, invoice.id)
    if received and ({"amount", "currency"} & changes.keys()):
        raise Conflict("Amount and currency cannot change once payments have been received")
    status = changes.get("status")
    if status == InvoiceStatus.paid and received < changes.get("amount", invoice.amount):
        raise Conflict("An invoice becomes paid when payments covering it are recorded")
    if status == InvoiceStatus.void and received:
        raise Conflict("An invoice with received payments cannot be void; refund the payments first")
    check_amount(changes.get("amount", invoice.amount), changes.get("currency", invoice.currency))
    return settle(session, apply_update(session, invoice, changes))


def delete_invoice(session: Session, actor: Actor, invoice_id: UUID) -> None:
    """Remove an invoice that has no payments."""
    invoice = get_invoice(session, actor, invoice_id)
    require(actor, "finance:manage")
    if session.exec(select(Payment.id).where(Payment.invoice_id == invoice.id)).first() is not None:
        raise Conflict("Invoice has payments; mark it void instead")
    session.delete(invoice)
    session.flush()
