"""Routes for enrolments and certificates, and public certificate verification."""

from uuid import UUID

from fastapi import APIRouter, Response, status

from cognify.api import PageDep, SessionDep, SortParam
from domain.identity.deps import CurrentActor
from domain.lms.models import (
    Certificate,
    CertificateCreate,
    CertificatePublic,
    CertificatesPublic,
    CertificateStatus,
    CertificateUpdate,
    Enrollment,
    EnrollmentCreate,
    EnrollmentPublic,
    EnrollmentsPublic,
    EnrollmentStatus,
    EnrollmentUpdate,
    StudentProgress,
)
from domain.lms.service import certificates, enrollments
from domain.privacy.access_log import log_reads

router = APIRouter(prefix="/api/v1", tags=["lms"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.post("/enrollments", response_model=EnrollmentPublic, status_code=status.HTTP_201_CREATED)
def create_enrollment(session: SessionDep, actor: CurrentActor, body: EnrollmentCreate) -> Enrollment:
    """Enrol a student in a course the caller manages."""
    return enrollments.enroll_student(session, actor, body.student_id, body.course_id, body.enrolled_at)


@router.get("/enrollments", response_model=EnrollmentsPublic)
def list_enrollments(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    student_id: UUID | None = None, course_id: UUID | None = None, status: EnrollmentStatus | None = None,
) -> EnrollmentsPublic:
    """Enrolments the caller may see."""
    rows, count = enrollments.list_enrollments(
        session, actor, student_id=student_id, course_id=course_id, status=status, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    return EnrollmentsPublic(data=[EnrollmentPublic.model_validate(e) for e in rows], count=count)


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentPublic)
def read_enrollment(session: SessionDep, actor: CurrentActor, enrollment_id: UUID) -> Enrollment:
    """One enrolment."""
    return enrollments.get_enrollment(session, actor, enrollment_id)


@router.get("/enrollments/{enrollment_id}/progress", response_model=StudentProgress)
def read_progress(session: SessionDep, actor: CurrentActor, enrollment_id: UUID) -> StudentProgress:
    """The enrolled student's progress in the course."""
    enrollment = enrollments.get_enrollment(session, actor, enrollment_id)
    progress = enrollments.get_student_progress(session, actor, enrollment.student_id, enrollment.course_id)
    log_reads(session, actor, "student_progress", "GET /api/v1/enrollments/{enrollment_id}/progress",
              [(enrollment.student_id, None, enrollment.id)])
    return progress


@router.patch("/enrollments/{enrollment_id}", response_model=EnrollmentPublic)
def update_enrollment(
    session: SessionDep, actor: CurrentActor, enrollment_id: UUID, body: EnrollmentUpdate
) -> Enrollment:
    """Change an enrolment's status or progress."""
    return enrollments.update_enrollment(session, actor, enrollment_id, body)


@router.delete("/enrollments/{enrollment_id}", status_code=NO_CONTENT)
def delete_enrollment(session: SessionDep, actor: CurrentActor, enrollment_id: UUID) -> Response:
    """Remove an enrolment."""
    enrollments.delete_enrollment(session, actor, enrollment_id)
    return Response(status_code=NO_CONTENT)


@router.post("/certificates", response_model=CertificatePublic, status_code=status.HTTP_201_CREATED)
def create_certificate(session: SessionDep, actor: CurrentActor, body: CertificateCreate) -> Certificate:
    """Issue a certificate in a course the caller manages."""
    return certificates.issue_certificate(session, actor, body)


@router.get("/certificates", response_model=CertificatesPublic)
def list_certificates(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    user_id: UUID | None = None, course_id: UUID | None = None, status: CertificateStatus | None = None,
) -> CertificatesPublic:
    """Certificates the caller may see."""
    rows, count = certificates.list_certificates(
        session, actor, user_id=user_id, course_id=course_id, status=status, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    return CertificatesPublic(data=[CertificatePublic.model_validate(c) for c in rows], count=count)


@router.get("/certificates/{certificate_id}", response_model=CertificatePublic)
def read_certificate(session: SessionDep, actor: CurrentActor, certificate_id: UUID) -> Certificate:
    """One certificate."""
    return certificates.get_certificate(session, actor, certificate_id)


@router.patch("/certificates/{certificate_id}", response_model=CertificatePublic)
def update_certificate(
    session: SessionDep, actor: CurrentActor, certificate_id: UUID, body: CertificateUpdate
) -> Certificate:
    """Release, hold, withhold or revoke a certificate."""
    return certificates.update_certificate(session, actor, certificate_id, body)


@router.delete("/certificates/{certificate_id}", status_code=NO_CONTENT)
def delete_certificate(session: SessionDep, actor: CurrentActor, certificate_id: UUID) -> Response:
    """Delete a certificate."""
    certificates.delete_certificate(session, actor, certificate_id)
    return Response(status_code=NO_CONTENT)
