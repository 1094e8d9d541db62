"""Invoice and payment endpoints (HTTP only; rules live in the services)."""

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from cognify.api import PageDep, SessionDep, SortParam
from domain.identity.deps import CurrentActor
from domain.privacy.access_log import log_reads
from domain.sis import service
from domain.sis.billing_models import (
    Invoice,
    InvoiceCreate,
    InvoicePublic,
    InvoicesPublic,
    InvoiceStatus,
    InvoiceUpdate,
    Payment,
    PaymentCreate,
    PaymentMethod,
    PaymentPublic,
    PaymentsPublic,
    PaymentStatus,
    PaymentUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["sis"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.post("/invoices", response_model=InvoicePublic, status_code=status.HTTP_201_CREATED)
def create_invoice(session: SessionDep, actor: CurrentActor, body: InvoiceCreate) -> Invoice:
    """Issue an invoice; amounts are decimal strings such as "1234.50"."""
    return service.create_invoice(session, actor, body)


@router.get("/invoices", response_model=InvoicesPublic)
def list_invoices(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    student_id: UUID | None = None, course_id: UUID | None = None, status: InvoiceStatus | None = None,
    currency: str | None = Query(default=None, min_length=3, max_length=3),
    due_before: date | None = None, due_after: date | None = None,
) -> InvoicesPublic:
    """List the invoices the caller may see."""
    rows, count = service.list_invoices(
        session, actor, student_id=student_id, course_id=course_id, status=status, currency=currency,
        due_before=due_before, due_after=due_after, sort=sort, limit=page.limit, offset=page.offset,
    )
    log_reads(session, actor, "invoice", "GET /api/v1/invoices", ((None, r.student_id, r.id) for r in rows))
    return InvoicesPublic(data=[InvoicePublic.model_validate(r) for r in rows], count=count)


@router.get("/invoices/{invoice_id}", response_model=InvoicePublic)
def read_invoice(session: SessionDep, actor: CurrentActor, invoice_id: UUID) -> Invoice:
    """One invoice."""
    invoice = service.get_invoice(session, actor, invoice_id)
    log_reads(session, actor, "invoice", "GET /api/v1/invoices/{invoice_id}",
              [(None, invoice.student_id, invoice.id)])
    return invoice


@router.patch("/invoices/{invoice_id}", response_model=InvoicePublic)
def update_invoice(
    session: SessionDep, actor: CurrentActor, invoice_id: UUID, body: InvoiceUpdate
) -> Invoice:
    """Change an invoice."""
    return service.update_invoice(session, actor, invoice_id, body)


@router.delete("/invoices/{invoice_id}", status_code=NO_CONTENT)
def delete_invoice(session: SessionDep, actor: CurrentActor, invoice_id: UUID) -> Response:
    """Delete an invoice without payments."""
    service.delete_invoice(session, actor, invoice_id)
    return Response(status_code=NO_CONTENT)


@router.post("/payments", response_model=PaymentPublic, status_code=status.HTTP_201_CREATED)
def record_payment(
    session: SessionDep, actor: CurrentActor, body: PaymentCreate, response: Response
) -> Payment:
    """Record a payment; the same gateway_ref again answers 200 with the recorded payment."""
    payment, created = service.record_payment(session, actor, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return payment


@router.get("/payments", response_model=PaymentsPublic)
def list_payments(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    invoice_id: UUID | None = None, status: PaymentStatus | None = None, method: PaymentMethod | None = None,
    gateway_ref: str | None = Query(default=None, max_length=200),
) -> PaymentsPublic:
    """List the payments the caller may see."""
    rows, count = service.list_payments(
        session, actor, invoice_id=invoice_id, status=status, method=method, gateway_ref=gateway_ref,
        sort=sort, limit=page.limit, offset=page.offset,
    )
    return PaymentsPublic(data=[PaymentPublic.model_validate(r) for r in rows], count=count)


@router.get("/payments/{payment_id}", response_model=PaymentPublic)
def read_payment(session: SessionDep, actor: CurrentActor, payment_id: UUID) -> Payment:
    """One payment."""
    return service.get_payment(session, actor, payment_id)


@router.patch("/payments/{payment_id}", response_model=PaymentPublic)
def update_payment(
    session: SessionDep, actor: CurrentActor, payment_id: UUID, body: PaymentUpdate
) -> Payment:
    """Change a payment's status or references."""
    return service.update_payment(session, actor, payment_id, body)


@router.delete("/payments/{payment_id}", status_code=NO_CONTENT)
def delete_payment(session: SessionDep, actor: CurrentActor, payment_id: UUID) -> Response:
    """Delete a payment record."""
    service.delete_payment(session, actor, payment_id)
    return Response(status_code=NO_CONTENT)
