"""Assessments: answer keys are for the staff who manage the course; students get the questions."""

from typing import Any
from uuid import UUID

from sqlalchemy import false, true
from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page, where_equal
from cognify.errors import Forbidden, NotFound
from cognify.security import Actor, Role
from domain.lms.access import course_visibility, is_lms_admin, managed_course, manages
from domain.lms.models import (
    Assessment,
    AssessmentCreate,
    AssessmentPublic,
    AssessmentStaff,
    AssessmentType,
    AssessmentUpdate,
    Course,
    CourseStatus,
    Enrollment,
)
from domain.lms.service._common import changes_of
from domain.lms.service.drip import LEARNING, learning_enrollment

ASSESSMENT_SORTS = ("title", "type", "pass_score", "time_limit", "created_at", "updated_at")


def create_assessment(session: Session, actor: Actor, data: AssessmentCreate) -> Assessment:
    """A new assessment in a course the actor manages."""
    course = managed_course(session, actor, data.course_id)
    assessment = Assessment(**data.model_dump(exclude={"course_id"}, mode="json"), course_id=course.id)
    session.add(assessment)
    session.flush()
    return assessment


def _scope(actor: Actor) -> Any:
    if is_lms_admin(actor):
        return true()
    if actor.can("courses:manage"):
        return col(Assessment.course_id).in_(select(Course.id).where(course_visibility(actor)))
    if actor.role == Role.student:
        return col(Assessment.course_id).in_(
            select(Enrollment.course_id)
            .join(Course, col(Course.id) == Enrollment.course_id)
            .where(Enrollment.student_id == actor.user_id, col(Enrollment.status).in_(LEARNING),
                   Course.status == CourseStatus.published)
        )
    return false()


def list_assessments(
    session: Session, actor: Actor, *, course_id: UUID | None = None, type: AssessmentType | None = None,
    proctored: bool | None = None, sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Assessment], int]:
    """Assessments the actor may see: of visible courses for staff, enrolled courses for students."""
    query = where_equal(select(Assessment).where(_scope(actor)), Assessment,
                        {"course_id": course_id, "type": type, "proctored": proctored})
    return page(session, order_by(query, Assessment, sort, ASSESSMENT_SORTS), limit, offset)


def get_assessment(session: Session, actor: Actor, assessment_id: UUID) -> Assessment:
    """One assessment the actor may see (404 otherwise)."""
    assessment = session.get(Assessment, assessment_id)
    course = session.get(Course, assessment.course_id) if assessment else None
    if assessment is None or course is None:
        raise NotFound("Assessment not found")
    if manages(actor, course):
        return assessment
    if course.status == CourseStatus.published and (
        actor.can("courses:manage")
        or (actor.role == Role.student and learning_enrollment(session, actor.user_id, course.id))
    ):
        return assessment
    raise NotFound("Assessment not found")


def assessment_view(session: Session, actor: Actor, assessment: Assessment) -> AssessmentPublic:
    """The assessment with answer keys for the course's managers, without them for anyone else."""
    course = session.get(Course, assessment.course_id)
    if course is not None and manages(actor, course):
        return AssessmentStaff.model_validate(assessment)
    return AssessmentPublic.model_validate(assessment)


def _managed(session: Session, actor: Actor, assessment_id: UUID) -> Assessment:
    assessment = get_assessment(session, actor, assessment_id)
    course = session.get(Course, assessment.course_id)
    if course is None or not manages(actor, course):
        raise Forbidden("You do not manage this course")
    return assessment


def update_assessment(
    session: Session, actor: Actor, assessment_id: UUID, data: AssessmentUpdate
) -> Assessment:
    """Change an assessment of a course the actor manages."""
    assessment = _managed(session, actor, assessment_id)
    changes = changes_of(data)
    return apply_update(session, assessment, changes)


def delete_assessment(session: Session, actor: Actor, assessment_id: UUID) -> None:
    """Delete an assessment and its attempts."""
    session.delete(_managed(session, actor, assessment_id))
    session.flush()
