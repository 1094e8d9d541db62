"""Flow 2, payment -> enrolment: LMS + SIS sync.

`receive_payment` runs in the payment webhook's transaction with the invoice row locked, so
concurrent deliveries of one gateway reference are serialised: one payment row, and
`sis.invoice_paid` only from the delivery that moved the invoice to paid. The
`sis.enrol_paid_invoice` handler provisions the student (a student user for the SIS record if
it has none, the record made active) and enrols that user in the invoiced course, idempotently.
A failed or partial payment changes only the payment record.
"""

from uuid import UUID, uuid4

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, select

from cognify.errors import ValidationFailed
from cognify.events import Event, emit, handlers
from cognify.security import Role
from domain.identity.models import User
from domain.lms.models import Enrollment, EnrollmentStatus
from domain.sis import service as sis
from domain.sis.billing_models import Invoice, InvoiceStatus, Payment, PaymentCreate
from domain.sis.models import Student, StudentStatus
from domain.webhooks.models import PaymentNotice

INVOICE_PAID = "sis.invoice_paid"
STUDENT_ENROLLED = "lms.student_enrolled"


def receive_payment(session: Session, notice: PaymentNotice) -> tuple[Payment, bool, bool]:
    """Record a gateway's payment notice; (payment, created, invoice became paid now)."""
    invoice = session.get(Invoice, notice.invoice_id, with_for_update=True)
    if invoice is None:
        raise ValidationFailed("invoice_id: no such invoice", details={"field": "invoice_id"})
    was_paid = invoice.status == InvoiceStatus.paid
    payment, created = sis.record_payment(session, None, PaymentCreate(
        invoice_id=notice.invoice_id, gateway_ref=notice.gateway_ref, amount=notice.amount,
        currency=notice.currency.upper(), status=notice.status, method=notice.method, txn_id=notice.txn_id,
    ))
    paid_now = not was_paid and invoice.status == InvoiceStatus.paid
    if paid_now:
        emit(session, INVOICE_PAID, {"invoice_id": invoice.id, "payment_id": payment.id})
    return payment, created, paid_now


def provision_student_user(session: Session, student: Student) -> UUID:
    """The student's user: the linked one, a student user with the record's email, or a new one."""
    if student.user_id is not None:
        return student.user_id
    info = student.personal_info
    email = (info.get("email") or f"student-{student.id.hex[:12]}@students.invalid").lower()
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None or user.role != Role.student:
        if user is not None:
            email = f"student-{student.id.hex[:12]}@students.invalid"
        user = User(tenant_id=session.info["tenant_id"], email=email, role=Role.student,
                    full_name=info.get("name", ""))
        session.add(user)
        session.flush()
    student.user_id = user.id
    return user.id


@handlers.on(INVOICE_PAID, name="sis.enrol_paid_invoice")
def enrol_paid_invoice(session: Session, event: Event) -> None:
    """Provision the invoice's student and enrol them in its course with access granted."""
    invoice = session.get(Invoice, UUID(event.payload["invoice_id"]))
    if invoice is None or invoice.status != InvoiceStatus.paid:
        return
    student = session.get(Student, invoice.student_id, with_for_update=True)
    if student is None:
        return
    user_id = provision_student_user(session, student)
    student.status = StudentStatus.active
    session.add(student)
    session.flush()
    if invoice.course_id is None:
        return
    table = Enrollment.__table__  # type: ignore[attr-defined]
    session.execute(pg_insert(Enrollment).values(
        id=uuid4(), student_id=user_id, course_id=invoice.course_id, status=EnrollmentStatus.active,
    ).on_conflict_do_update(constraint="uq_enrollments_student_course",
                            set_={"status": EnrollmentStatus.active},
                            where=table.c.status == EnrollmentStatus.cancelled))
    emit(session, STUDENT_ENROLLED, {"student_id": student.id, "user_id": user_id,
                                     "course_id": invoice.course_id, "invoice_id": invoice.id})
