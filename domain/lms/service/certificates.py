"""Certificates: issued by staff who manage the course (or the certification flow), verified by code."""

import secrets
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page, where_equal
from cognify.errors import Forbidden, NotFound, ValidationFailed
from cognify.models import utcnow
from cognify.security import Actor
from domain.identity.models import User
from domain.lms.access import can_see_record, managed_course, manages, record_scope
from domain.lms.models import (
    Assessment,
    AssessmentAttempt,
    Certificate,
    CertificateCreate,
    CertificateStatus,
    CertificateUpdate,
    Course,
)
from domain.lms.service._common import changes_of

CERTIFICATE_SORTS = ("issued_at", "score", "status", "created_at", "updated_at")


def new_verification_code() -> str:
    """A random, URL-safe public verification code."""
    return secrets.token_urlsafe(18)


def issue_certificate(session: Session, actor: Actor, data: CertificateCreate) -> Certificate:
    """A certificate for a user in a course the actor manages, optionally tied to an attempt."""
    course = managed_course(session, actor, data.course_id)
    user = session.get(User, data.user_id)
    if user is None:
        raise ValidationFailed("user_id: no such user in this tenant", details={"field": "user_id"})
    if data.attempt_id is not None:
        attempt = session.get(AssessmentAttempt, data.attempt_id)
        assessment = session.get(Assessment, attempt.assessment_id) if attempt else None
        if attempt is None or assessment is None or attempt.student_id != user.id \
                or assessment.course_id != course.id:
            raise ValidationFailed("attempt_id: not an attempt of this user in this course",
                                   details={"field": "attempt_id"})
    certificate = Certificate(
        **data.model_dump(), verification_code=new_verification_code(),
        issued_at=utcnow() if data.status == CertificateStatus.issued else None,
    )
    session.add(certificate)
    session.flush()
    return certificate


def list_certificates(
    session: Session, actor: Actor, *, user_id: UUID | None = None, course_id: UUID | None = None,
    status: CertificateStatus | None = None, sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Certificate], int]:
    """Certificates the actor may see: own, children's, taught courses', or all for admins."""
    scope = record_scope(session, actor, col(Certificate.user_id), col(Certificate.course_id))
    query = where_equal(select(Certificate).where(scope), Certificate,
                        {"user_id": user_id, "course_id": course_id, "status": status})
    return page(session, order_by(query, Certificate, sort, CERTIFICATE_SORTS), limit, offset)


def _visible(session: Session, actor: Actor, certificate_id: UUID) -> tuple[Certificate, Course]:
    certificate = session.get(Certificate, certificate_id)
    course = session.get(Course, certificate.course_id) if certificate else None
    if certificate is None or course is None or not can_see_record(
        session, actor, certificate.user_id, course
    ):
        raise NotFound("Certificate not found")
    return certificate, course


def get_certificate(session: Session, actor: Actor, certificate_id: UUID) -> Certificate:
    """One certificate the actor may see."""
    return _visible(session, actor, certificate_id)[0]


def update_certificate(
    session: Session, actor: Actor, certificate_id: UUID, data: CertificateUpdate
) -> Certificate:
    """Release, hold, withhold, revoke or re-template (staff who manage the course)."""
    certificate, course = _visible(session, actor, certificate_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    changes = changes_of(data)
    if changes.get("status") == CertificateStatus.issued and certificate.issued_at is None:
        changes["issued_at"] = utcnow()
    return apply_update(session, certificate, changes)


def delete_certificate(session: Session, actor: Actor, certificate_id: UUID) -> None:
    """Delete a certificate (staff who manage the course)."""
    certificate, course = _visible(session, actor, certificate_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    session.delete(certificate)
    session.flush()

