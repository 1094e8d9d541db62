"""Who may see and change LMS objects: the role rules every LMS service applies."""

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, false, or_, text, true
from sqlmodel import Session, col, select

from cognify.errors import Forbidden, NotFound
from cognify.security import Actor, Role
from domain.lms.models import Course, CourseStatus

ADMIN_ROLES = frozenset({Role.admin, Role.owner})


def is_lms_admin(actor: Actor) -> bool:
    """Admins and owners with courses:manage manage every course of the tenant."""
    return actor.role in ADMIN_ROLES and actor.can("courses:manage")


def manages(actor: Actor, course: Course) -> bool:
    """Whether the actor may change the course and everything in it."""
    if not actor.can("courses:manage"):
        return False
    return is_lms_admin(actor) or actor.user_id in (course.teacher_ids or [])


def can_see_course(actor: Actor, course: Course) -> bool:
    """Managers see any course; everyone with courses:read sees published ones."""
    return manages(actor, course) or (actor.can("courses:read") and course.status == CourseStatus.published)


def course_visibility(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on `courses` matching the courses the actor may see."""
    if is_lms_admin(actor):
        return true()
    if not actor.can("courses:read"):
        return false()
    published = col(Course.status) == CourseStatus.published
    if actor.can("courses:manage"):
        return or_(published, col(Course.teacher_ids).contains([actor.user_id]))
    return published


def taught_course_ids(actor: Actor) -> Any:
    """Subquery of the ids of courses the actor teaches."""
    return select(Course.id).where(col(Course.teacher_ids).contains([actor.user_id]))


def visible_course(session: Session, actor: Actor, course_id: UUID) -> Course:
    """The course if the actor may see it, else 404."""
    course = session.get(Course, course_id)
    if course is None or not can_see_course(actor, course):
        raise NotFound("Course not found")
    return course


def managed_course(session: Session, actor: Actor, course_id: UUID) -> Course:
    """The course if the actor may change it; 404 if invisible, 403 if only visible."""
    course = visible_course(session, actor, course_id)
    if not manages(actor, course):
        raise Forbidden("You do not manage this course")
    return course


def children_user_ids(session: Session, parent_id: UUID) -> list[UUID]:
    """User ids of the SIS students whose guardian is this parent (none before SIS exists)."""
    exists = session.connection().execute(text("SELECT to_regclass('public.students') IS NOT NULL")).scalar()
    if not exists:
        return []
    rows = session.connection().execute(
        text("SELECT user_id FROM students WHERE guardian_id = :parent AND user_id IS NOT NULL"),
        {"parent": parent_id},
    )
    return [row[0] for row in rows]


def record_scope(
    session: Session, actor: Actor, person: Any, course_id: Any
) -> ColumnElement[bool]:
    """SQL condition on a per-student record: own, children's, taught courses', or all for admins."""
    if is_lms_admin(actor):
        return true()
    if actor.role == Role.teacher and actor.can("courses:manage"):
        return course_id.in_(taught_course_ids(actor))
    if actor.role == Role.student:
        return person == actor.user_id
    if actor.role == Role.parent and actor.can("children:read"):
        children = children_user_ids(session, actor.user_id)
        return person.in_(children) if children else false()
    return false()


def can_see_record(session: Session, actor: Actor, person_id: UUID, course: Course | None) -> bool:
    """Whether the actor may read one student's record in a course."""
    if course is not None and manages(actor, course):
        return True
    if actor.role == Role.student:
        return person_id == actor.user_id
    if actor.role == Role.parent and actor.can("children:read"):
        return person_id in children_user_ids(session, actor.user_id)
    return False
