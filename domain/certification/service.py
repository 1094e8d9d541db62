"""Certificates for exam attempts: issue, hold, withhold, the stored PDF, public checks."""

from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session, select

from cognify.errors import Conflict, NotFound
from cognify.events import emit
from cognify.models import utcnow
from cognify.security import Actor
from cognify.storage import get_store
from domain.certification.models import CERTIFICATE_ISSUED, CERTIFICATE_WITHHELD, CertificateCheck
from domain.certification.pdf import render_certificate
from domain.identity.models import User
from domain.lms.models import AssessmentAttempt, Certificate, CertificateStatus, Course
from domain.lms.service.certificates import get_certificate, new_verification_code
from domain.tenancy.models import Tenant


def pdf_key(certificate: Certificate) -> str:
    """Where a certificate's PDF lives in object storage."""
    return f"{certificate.tenant_id}/certificates/{certificate.id}.pdf"


def attempt_certificate(session: Session, attempt_id: UUID) -> Certificate | None:
    """The certificate already made for an attempt, locked for a status change."""
    query = select(Certificate).where(Certificate.attempt_id == attempt_id).with_for_update()
    return session.exec(query).first()


def open_certificate(session: Session, attempt: AssessmentAttempt, course_id: UUID) -> Certificate:
    """A new, held certificate for a passed attempt."""
    certificate = Certificate(
        user_id=attempt.student_id, course_id=course_id, attempt_id=attempt.id, score=attempt.score,
        verification_code=new_verification_code(), status=CertificateStatus.held,
    )
    session.add(certificate)
    session.flush()
    return certificate


def issue(session: Session, certificate: Certificate) -> Certificate:
    """Issue a certificate now; its PDF is drawn and stored by the `certificate_issued` handler."""
    certificate.status = CertificateStatus.issued
    certificate.issued_at = certificate.issued_at or utcnow()
    certificate.updated_at = utcnow()
    session.add(certificate)
    session.flush()
    emit(session, CERTIFICATE_ISSUED, {"certificate_id": certificate.id})
    return certificate


def withhold(session: Session, certificate: Certificate) -> Certificate:
    """Withhold a held certificate after a proctoring violation; the student is told by email."""
    certificate.status = CertificateStatus.withheld
    certificate.updated_at = utcnow()
    session.add(certificate)
    session.flush()
    emit(session, CERTIFICATE_WITHHELD, {"certificate_id": certificate.id})
    return certificate


def store_pdf(session: Session, certificate: Certificate) -> bytes:
    """Render the certificate's PDF and put it in object storage."""
    user = session.get(User, certificate.user_id)
    course = session.get(Course, certificate.course_id)
    tenant = session.get(Tenant, certificate.tenant_id)
    if user is None or course is None or certificate.issued_at is None:
        raise NotFound("Certificate not found")
    data = render_certificate(user.full_name or user.email, course.title, certificate.issued_at,
                              certificate.verification_code, tenant.name if tenant else "Cognify")
    get_store().put(pdf_key(certificate), data, "application/pdf")
    return data


def certificate_pdf(session: Session, actor: Actor, certificate_id: UUID) -> bytes:
    """The PDF of an issued certificate the actor may see (its holder, guardians, staff)."""
    certificate = get_certificate(session, actor, certificate_id)
    if certificate.status != CertificateStatus.issued:
        raise Conflict(f"This certificate is {certificate.status.value}", code="certificate_not_issued")
    try:
        return get_store().get(pdf_key(certificate))
    except NotFound:
        return store_pdf(session, certificate)


def check_code(session: Session, code: str) -> CertificateCheck:
    """Public check of a verification code: holder's name, course, date and validity only."""
    row = session.connection().execute(
        text("SELECT holder_name, course_title, issued_at, status FROM cognify_certificate_public(:c)"),
        {"c": code},
    ).first()
    if row is None:
        raise NotFound("No certificate has this verification code")
    status = CertificateStatus(row.status)
    return CertificateCheck(holder_name=row.holder_name, course_title=row.course_title,
                            issued_at=row.issued_at if status == CertificateStatus.issued else None,
                            status=status, valid=status == CertificateStatus.issued)
