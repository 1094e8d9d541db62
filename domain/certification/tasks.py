"""Certification reactions to its own events: the issued PDF, the withheld notice."""

from uuid import UUID

from sqlmodel import Session

from cognify.events import Event, handlers
from domain.certification.models import CERTIFICATE_ISSUED, CERTIFICATE_WITHHELD
from domain.certification.service import store_pdf
from domain.identity.models import User
from domain.lms.models import Certificate, CertificateStatus, Course
from domain.messaging.service import queue_message


@handlers.on(CERTIFICATE_ISSUED, name="certification.store_pdf")
def store_issued_pdf(session: Session, event: Event) -> None:
    """Draw the issued certificate's PDF into object storage."""
    certificate = session.get(Certificate, UUID(event.payload["certificate_id"]))
    if certificate is not None and certificate.status == CertificateStatus.issued:
        store_pdf(session, certificate)


@handlers.on(CERTIFICATE_WITHHELD, name="certification.notify_withheld")
def notify_withheld(session: Session, event: Event) -> None:
    """Email the student that the certificate is withheld after proctoring review."""
    certificate = session.get(Certificate, UUID(event.payload["certificate_id"]))
    if certificate is None or certificate.status != CertificateStatus.withheld:
        return
    user = session.get(User, certificate.user_id)
    course = session.get(Course, certificate.course_id)
    if user is None or course is None:
        return
    queue_message(
        session, channel="email", recipient=user.email,
        subject=f"Your {course.title} certificate is withheld",
        body=(f"Hello {user.full_name or user.email},\n\nAfter reviewing the proctoring record of your "
              f"{course.title} exam, a proctor found an integrity violation, so your certificate is "
              "withheld. Contact your school if you want to appeal.\n"),
    )
