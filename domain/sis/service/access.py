"""Who may see which SIS rows, and lookups of the rows other tables reference."""

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from cognify.errors import Forbidden, ValidationFailed
from cognify.security import Actor, Role
from domain.identity.models import User
from domain.sis.models import Student

# The LMS tables this context reads, declared lightly so SIS does not import LMS internals.
enrollments = sa.table("enrollments", sa.column("student_id", PgUUID), sa.column("course_id", PgUUID))
courses = sa.table("courses", sa.column("id", PgUUID), sa.column("teacher_ids", ARRAY(PgUUID)))


def invalid(field: str, message: str) -> ValidationFailed:
    """A 422 that names the offending field."""
    return ValidationFailed(f"{field}: {message}", details={"field": field})


def require(actor: Actor, permission: str) -> None:
    """403 unless the actor holds the permission."""
    if not actor.can(permission):
        raise Forbidden(f"Missing permission '{permission}'")


def taught_user_ids(actor: Actor) -> Any:
    """Users enrolled in a course the actor teaches."""
    return (
        sa.select(enrollments.c.student_id)
        .join(courses, courses.c.id == enrollments.c.course_id)
        .where(courses.c.teacher_ids.any(actor.user_id))
    )


def student_scope(actor: Actor) -> ColumnElement[bool] | None:
    """Which students the actor may see: None for all, else a condition on `Student`."""
    if actor.can("students:manage"):
        return None
    conditions = [col(Student.user_id) == actor.user_id]
    if actor.can("children:read"):
        conditions.append(col(Student.guardian_id) == actor.user_id)
    if actor.can("students:read"):
        conditions.append(col(Student.user_id).in_(taught_user_ids(actor)))
    return sa.or_(*conditions)


def finance_scope(actor: Actor) -> ColumnElement[bool] | None:
    """Which students' money the actor may see: None for all; staff without finance:read get 403."""
    if actor.can("finance:read"):
        return None
    if actor.is_staff:
        raise Forbidden("Missing permission 'finance:read'")
    conditions = [col(Student.user_id) == actor.user_id]
    if actor.can("children:read"):
        conditions.append(col(Student.guardian_id) == actor.user_id)
    return sa.or_(*conditions)


def visible_student_ids(scope: ColumnElement[bool]) -> Any:
    """The ids of the students a scope admits, as a subquery."""
    return select(Student.id).where(scope)


def student_visible(session: Session, scope: ColumnElement[bool] | None, student_id: UUID) -> bool:
    """Whether a student exists and the scope admits them."""
    query = select(Student.id).where(Student.id == student_id)
    if scope is not None:
        query = query.where(scope)
    return session.exec(query).first() is not None


def check_user(session: Session, user_id: UUID, field: str, roles: frozenset[Role]) -> User:
    """The referenced user, which must exist in the tenant and hold one of the roles (else 422)."""
    user = session.get(User, user_id)
    if user is None:
        raise invalid(field, "no such user")
    if user.role not in roles:
        wanted = " or ".join(sorted(r.value for r in roles))
        raise invalid(field, f"must be a user with role {wanted}")
    return user


def check_course(session: Session, course_id: UUID, field: str = "course_id") -> None:
    """422 unless the course exists in the tenant."""
    if session.execute(sa.select(courses.c.id).where(courses.c.id == course_id)).first() is None:
        raise invalid(field, "no such course")


def teaches(session: Session, actor: Actor, course_id: UUID) -> bool:
    """Whether the actor is one of the course's teachers."""
    query = sa.select(courses.c.id).where(courses.c.id == course_id, courses.c.teacher_ids.any(actor.user_id))
    return session.execute(query).first() is not None
