"""Finance tools: invoices and payment reminders, through `domain.sis.service`."""

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import Field

from cognify.db import TenantSession
from cognify.errors import Conflict
from cognify.security import Actor
from domain.identity.models import User
from domain.messaging.service import queue_message
from domain.privacy.access_log import log_reads
from domain.sis import service
from domain.sis.billing_models import InvoiceCreate, InvoicePublic, InvoiceStatus
from domain.sis.models import Student
from domain.sis.money import Currency, Money
from tools.spec import ToolArgs, declare

OUTSTANDING = (InvoiceStatus.open, InvoiceStatus.overdue)


def _invoice(invoice: Any) -> dict[str, Any]:
    return InvoicePublic.model_validate(invoice).model_dump(mode="json")


class ListInvoicesArgs(ToolArgs):
    student_id: UUID | None = Field(default=None, description="The SIS student record id")
    status: InvoiceStatus | None = None
    due_before: date | None = None
    limit: int = Field(default=20, ge=1, le=50)


@declare("finance:read")
def list_invoices(session: TenantSession, actor: Actor, args: ListInvoicesArgs) -> dict[str, Any]:
    """List invoices by student, status or due date; amounts are decimal strings."""
    rows, count = service.list_invoices(
        session,
        actor,
        student_id=args.student_id,
        status=args.status,
        due_before=args.due_before,
        sort="due_date",
        limit=args.limit,
    )
    log_reads(session, actor, "invoice", "tool list_invoices", ((None, r.student_id, r.id) for r in rows))
    return {"count": count, "invoices": [_invoice(r) for r in rows]}


class CreateInvoiceArgs(ToolArgs):
    student_id: UUID = Field(description="The SIS student record id")
    amount: Money = Field(description='Exact amount as a decimal string, e.g. "120.00"')
    currency: Currency = Field(description="ISO-4217 code, e.g. USD")
    course_id: UUID | None = None
    due_date: date | None = None
    description: str = Field(default="", max_length=2000)


@declare("finance:manage", writes=True, approval=True)
def create_invoice(session: TenantSession, actor: Actor, args: CreateInvoiceArgs) -> dict[str, Any]:
    """Issue an invoice to a student (needs a human's approval)."""
    data = InvoiceCreate(
        student_id=args.student_id,
        amount=args.amount,
        currency=args.currency,
        course_id=args.course_id,
        due_date=args.due_date,
        description=args.description,
    )
    return _invoice(service.create_invoice(session, actor, data))


class PaymentReminderArgs(ToolArgs):
    invoice_id: UUID
    note: str = Field(default="", max_length=1000, description="A personal line added to the reminder")


@declare("finance:manage", writes=True)
def send_payment_reminder(session: TenantSession, actor: Actor, args: PaymentReminderArgs) -> dict[str, Any]:
    """Email a reminder for an outstanding invoice to the student (or their guardian)."""
    invoice = service.get_invoice(session, actor, args.invoice_id)
    if invoice.status not in OUTSTANDING:
        raise Conflict(f"Invoice is {invoice.status}; only open or overdue invoices get reminders")
    student = service.get_student(session, actor, invoice.student_id)
    recipient = _reminder_address(session, student)
    due = invoice.amount - service.paid_total(session, invoice.id)
    name = student.personal_info.get("name", "there")
    body = (f"Hello {name},\n\nThis is a reminder that {due:.2f} {invoice.currency} is due on invoice "
            f"{invoice.description or invoice.id} (due {invoice.due_date}).")
    if args.note:
        body += f"\n\n{args.note}"
    message = queue_message(session, channel="email", recipient=recipient, body=body,
                            subject=f"Payment reminder: {due:.2f} {invoice.currency} due")
    return {
        "invoice_id": str(invoice.id),
        "student_id": str(invoice.student_id),
        "amount_due": f"{due:.2f}",
        "currency": invoice.currency,
        "sent_to": recipient,
        "message_id": str(message.id),
        "status": "queued",
    }


def _reminder_address(session: TenantSession, student: Student) -> str:
    """The student's own email, else the one on their record, else their guardian's."""
    for user_id in (student.user_id, None, student.guardian_id):
        if user_id is None:
            email = student.personal_info.get("email")
        else:
            user = session.get(User, user_id)
            email = user.email if user else None
        if email:
            return email
    raise Conflict("No email address on file for this student or their guardian")
