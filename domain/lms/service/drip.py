"""The drip schedule: a module unlocks N days after the student's enrolment."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.models import utcnow
from domain.lms.models import Course, CourseStatus, Enrollment, EnrollmentStatus, Module

LEARNING = (EnrollmentStatus.active, EnrollmentStatus.completed)


def unlocks_at(course: Course, module: Module, enrollment: Enrollment) -> datetime:
    """When the module opens for this enrolment (immediately when the course's drip is off)."""
    if not (course.drip_schedule or {}).get("enabled", True):
        return enrollment.enrolled_at
    return enrollment.enrolled_at + timedelta(days=module.unlock_after_days)


def learning_enrollment(session: Session, student_id: UUID, course_id: UUID) -> Enrollment | None:
    """The student's active or completed enrolment in the course, if any."""
    return session.exec(
        select(Enrollment).where(
            Enrollment.student_id == student_id, Enrollment.course_id == course_id,
            col(Enrollment.status).in_(LEARNING),
        )
    ).first()


def unlocked_block_ids(session: Session, student_id: UUID, course_id: UUID | None = None) -> set[UUID]:
    """Ids of content blocks the drip schedule has opened for the student in published courses."""
    query = (
        select(Enrollment, Course, Module)
        .join(Course, col(Course.id) == Enrollment.course_id)
        .join(Module, col(Module.course_id) == Course.id)
        .where(Enrollment.student_id == student_id, col(Enrollment.status).in_(LEARNING),
               Course.status == CourseStatus.published)
    )
    if course_id is not None:
        query = query.where(Enrollment.course_id == course_id)
    now = utcnow()
    opened: set[UUID] = set()
    for enrollment, course, module in session.exec(query).all():
        if unlocks_at(course, module, enrollment) <= now:
            opened.update(module.content_block_refs)
    return opened
