"""Courses: create, search, read, change, delete under the LMS role rules."""

from uuid import UUID

from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page, where_equal
from cognify.errors import Forbidden, ValidationFailed
from cognify.security import Actor, Role
from domain.identity.models import User
from domain.lms.access import course_visibility, managed_course, visible_course
from domain.lms.models import Course, CourseCreate, CourseStatus, CourseUpdate
from domain.lms.service._common import changes_of

COURSE_SORTS = ("title", "type", "status", "created_at", "updated_at")
_TEACHING_ROLES = (Role.teacher, Role.admin, Role.owner)


def _check_teachers(session: Session, teacher_ids: list[UUID]) -> list[UUID]:
    """Distinct teacher ids, each an active staff user of the tenant (422 naming the field)."""
    unique = list(dict.fromkeys(teacher_ids))
    if not unique:
        return unique
    found = set(session.exec(
        select(User.id).where(col(User.id).in_(unique), col(User.role).in_(_TEACHING_ROLES),
                              col(User.is_active))
    ).all())
    missing = [str(t) for t in unique if t not in found]
    if missing:
        raise ValidationFailed(
            f"teacher_ids: {missing[0]} is not a teacher of this tenant",
            details={"field": "teacher_ids", "invalid": missing},
        )
    return unique


def create_course(session: Session, actor: Actor, data: CourseCreate) -> Course:
    """A new course; a teacher creating one is always among its teachers."""
    if not actor.can("courses:manage"):
        raise Forbidden("Missing permission 'courses:manage'")
    teachers = list(data.teacher_ids)
    if actor.role == Role.teacher and actor.user_id not in teachers:
        teachers.append(actor.user_id)
    course = Course(
        **data.model_dump(exclude={"teacher_ids"}, mode="json"),
        teacher_ids=_check_teachers(session, teachers),
    )
    session.add(course)
    session.flush()
    return course


def search_courses(
    session: Session, actor: Actor, *, q: str | None = None, tag: str | None = None,
    status: CourseStatus | None = None, type: str | None = None, teacher_id: UUID | None = None,
    sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Course], int]:
    """Courses the actor may see, filtered by title text, tag, status, type or teacher."""
    query = where_equal(select(Course).where(course_visibility(actor)), Course,
                        {"status": status, "type": type})
    if q:
        query = query.where(col(Course.title).ilike(f"%{q}%"))
    if tag:
        query = query.where(col(Course.tags).contains([tag]))
    if teacher_id:
        query = query.where(col(Course.teacher_ids).contains([teacher_id]))
    return page(session, order_by(query, Course, sort, COURSE_SORTS), limit, offset)


def get_course(session: Session, actor: Actor, course_id: UUID) -> Course:
    """One course the actor may see (404 otherwise)."""
    return visible_course(session, actor, course_id)


def update_course(session: Session, actor: Actor, course_id: UUID, data: CourseUpdate) -> Course:
    """Change a course the actor manages; a teacher cannot remove themselves from it."""
    course = managed_course(session, actor, course_id)
    changes = changes_of(data)
    if "teacher_ids" in changes:
        teachers = _check_teachers(session, data.teacher_ids or [])
        if actor.role == Role.teacher and actor.user_id not in teachers:
            raise Forbidden("A teacher cannot remove themselves from a course's teachers")
        changes["teacher_ids"] = teachers
    return apply_update(session, course, changes)


def delete_course(session: Session, actor: Actor, course_id: UUID) -> None:
    """Delete a course the actor manages, with its modules, content and records."""
    course = managed_course(session, actor, course_id)
    session.delete(course)
    session.flush()
