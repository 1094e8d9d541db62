"""SIS test helpers: SQL through row-level security, LMS rows, and error fields."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import text

from cognify.db import tenant_session
from cognify.security import Role, TokenClaims, create_access_token
from domain.identity.models import User


def sql(tenant_id: UUID, statement: str, **params: Any) -> Any:
    """Run SQL as the app role inside a tenant; the first column of the first row."""
    with tenant_session(tenant_id) as session:
        return session.execute(text(statement), params).scalar()


def count(tenant_id: UUID, table: str) -> int:
    """Rows of a table the tenant can see."""
    return sql(tenant_id, f"SELECT count(*) FROM {table}")


def add_user(tenant_id: UUID, role: str) -> tuple[UUID, dict[str, str]]:
    """A user without a password (no hashing keeps tests fast) and bearer headers for it."""
    with tenant_session(tenant_id) as session:
        user = User(tenant_id=tenant_id, email=f"{role}-{uuid4().hex[:8]}@example.com", role=Role(role),
                    full_name=f"A {role}")
        session.add(user)
    token, _ = create_access_token(TokenClaims(user.id, tenant_id, Role(role)))
    return user.id, {"Authorization": f"Bearer {token}"}


def add_course(tenant_id: UUID, teacher_ids: list[UUID], title: str = "Course") -> UUID:
    """A published course taught by the teachers."""
    return sql(tenant_id, "INSERT INTO courses (id, title, status, teacher_ids) "
               "VALUES (:id, :title, 'published', CAST(:teachers AS uuid[])) RETURNING id",
               id=uuid4(), title=title, teachers=[str(t) for t in teacher_ids])


def enroll(tenant_id: UUID, user_id: UUID, course_id: UUID) -> None:
    """Enrol a student user in a course."""
    sql(tenant_id, "INSERT INTO enrollments (id, student_id, course_id) VALUES (:id, :user, :course) "
        "RETURNING id", id=uuid4(), user=user_id, course=course_id)


@dataclass
class School:
    """One tenant with every role, a course taught by `teacher`, and two student records."""

    tenant: Any
    admin: dict[str, str]
    teacher_id: UUID
    teacher: dict[str, str]
    other_teacher_id: UUID
    other_teacher: dict[str, str]
    parent_id: UUID
    parent: dict[str, str]
    student_user_id: UUID
    student: dict[str, str]
    course_id: UUID
    taught: dict[str, Any]
    untaught: dict[str, Any]


def error_field(response: Any) -> str:
    """The field a 422 names (request validation lists details; service errors carry one field)."""
    details = response.json()["error"].get("details")
    if isinstance(details, list):
        return details[0]["field"]
    return details["field"]
