"""Enrolments: staff who manage a course enrol students; students and parents read their own."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import func
from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page, where_equal
from cognify.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cognify.models import utcnow
from cognify.security import Actor, Role
from domain.identity.models import User
from domain.lms.access import can_see_record, managed_course, manages, record_scope
from domain.lms.models import (
    Assessment,
    AssessmentAttempt,
    AttemptStatus,
    Certificate,
    Course,
    Enrollment,
    EnrollmentStatus,
    EnrollmentUpdate,
    Module,
    StudentProgress,
)
from domain.lms.service._common import changes_of
from domain.lms.service.drip import unlocks_at

ENROLLMENT_SORTS = ("enrolled_at", "progress", "status", "created_at", "updated_at")


def enroll_student(
    session: Session, actor: Actor, student_user_id: UUID, course_id: UUID,
    enrolled_at: datetime | None = None,
) -> Enrollment:
    """Enrol a student user in a course the actor manages; 409 if already enrolled."""
    course = managed_course(session, actor, course_id)
    student = session.get(User, student_user_id)
    if student is None or student.role != Role.student or not student.is_active:
        raise ValidationFailed("student_id: not an active student of this tenant",
                               details={"field": "student_id"})
    existing = session.exec(select(Enrollment.id).where(
        Enrollment.student_id == student.id, Enrollment.course_id == course.id)).first()
    if existing is not None:
        raise Conflict("The student is already enrolled in this course", code="already_enrolled",
                       details={"enrollment_id": str(existing)})
    enrollment = Enrollment(student_id=student.id, course_id=course.id)
    if enrolled_at is not None:
        enrollment.enrolled_at = enrolled_at
    session.add(enrollment)
    session.flush()
    return enrollment


def list_enrollments(
    session: Session, actor: Actor, *, student_id: UUID | None = None, course_id: UUID | None = None,
    status: EnrollmentStatus | None = None, sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Enrollment], int]:
    """Enrolments the actor may see: own, children's, taught courses', or all for admins."""
    scope = record_scope(session, actor, col(Enrollment.student_id), col(Enrollment.course_id))
    query = where_equal(select(Enrollment).where(scope), Enrollment,
                        {"student_id": student_id, "course_id": course_id, "status": status})
    return page(session, order_by(query, Enrollment, sort, ENROLLMENT_SORTS, default="-enrolled_at"),
                limit, offset)


def _visible(session: Session, actor: Actor, enrollment_id: UUID) -> tuple[Enrollment, Course]:
    enrollment = session.get(Enrollment, enrollment_id)
    course = session.get(Course, enrollment.course_id) if enrollment else None
    if enrollment is None or course is None or not can_see_record(
        session, actor, enrollment.student_id, course
    ):
        raise NotFound("Enrollment not found")
    return enrollment, course


def get_enrollment(session: Session, actor: Actor, enrollment_id: UUID) -> Enrollment:
    """One enrolment the actor may see."""
    return _visible(session, actor, enrollment_id)[0]


def update_enrollment(
    session: Session, actor: Actor, enrollment_id: UUID, data: EnrollmentUpdate
) -> Enrollment:
    """Change status or progress (staff who manage the course)."""
    enrollment, course = _visible(session, actor, enrollment_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    changes = changes_of(data)
    if data.enrolled_at is not None:
        changes["enrolled_at"] = data.enrolled_at
    return apply_update(session, enrollment, changes)


def delete_enrollment(session: Session, actor: Actor, enrollment_id: UUID) -> None:
    """Remove an enrolment (staff who manage the course)."""
    enrollment, course = _visible(session, actor, enrollment_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    session.delete(enrollment)
    session.flush()


def get_student_progress(
    session: Session, actor: Actor, student_user_id: UUID, course_id: UUID
) -> StudentProgress:
    """A student's standing in a course: enrolment, unlocked modules, attempts, certificate."""
    enrollment = session.exec(select(Enrollment).where(
        Enrollment.student_id == student_user_id, Enrollment.course_id == course_id)).first()
    course = session.get(Course, course_id)
    if enrollment is None or course is None or not can_see_record(session, actor, student_user_id, course):
        raise NotFound("Enrollment not found")
    modules = session.exec(select(Module).where(Module.course_id == course_id)).all()
    now = utcnow()
    assessment_ids = select(Assessment.id).where(Assessment.course_id == course_id)
    mine = (AssessmentAttempt.student_id == student_user_id,
            col(AssessmentAttempt.assessment_id).in_(assessment_ids))
    attempts, best = session.exec(select(func.count(), func.max(AssessmentAttempt.score)).where(*mine)).one()
    passed = session.exec(select(func.count(func.distinct(AssessmentAttempt.assessment_id))).where(
        *mine, AssessmentAttempt.status == AttemptStatus.submitted, col(AssessmentAttempt.passed))).one()
    certificate = session.exec(select(Certificate.status).where(
        Certificate.user_id == student_user_id, Certificate.course_id == course_id)
        .order_by(col(Certificate.created_at).desc())).first()
    return StudentProgress(
        student_id=student_user_id, course_id=course_id, enrollment_status=enrollment.status,
        progress=enrollment.progress, enrolled_at=enrollment.enrolled_at, modules_total=len(modules),
        modules_unlocked=sum(1 for m in modules if unlocks_at(course, m, enrollment) <= now),
        attempts=attempts, best_score=best, assessments_passed=passed, certificate_status=certificate,
    )
