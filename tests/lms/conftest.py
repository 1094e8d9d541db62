"""LMS fixtures: a school (tenant) with staff, students and a parent, and HTTP helpers."""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from cognify.db import TenantSession, owner_engine
from cognify.security import Role, TokenClaims, create_access_token


def as_owner(tenant_id: UUID, sql: str, **params: Any) -> Any:
    """Run SQL as the table owner scoped to a tenant (test set-up and inspection)."""
    with TenantSession(owner_engine(), tenant_id) as session:
        result = session.execute(text(sql), params)
        rows = result.all() if result.returns_rows else None
        session.commit()
        return rows


def count(tenant_id: UUID, table: str) -> int:
    """Rows of an LMS table in the tenant."""
    return as_owner(tenant_id, f"SELECT count(*) FROM {table} WHERE tenant_id = :t", t=tenant_id)[0][0]


@dataclass
class School:
    """One tenant with an owner, two teachers, two students and the first student's parent."""

    client: TestClient
    tenant_id: UUID
    owner: dict[str, str]
    teacher_id: UUID
    teacher: dict[str, str]
    other_teacher: dict[str, str]
    student_id: UUID
    student: dict[str, str]
    other_student_id: UUID
    other_student: dict[str, str]
    parent: dict[str, str]
    made: dict[str, Any] = field(default_factory=dict)

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """POST as the owner (or given headers) and expect 201."""
        response = self.client.post(f"/api/v1{path}", json=body, headers=headers or self.owner)
        assert response.status_code == 201, response.text
        return response.json()

    def course(self, **fields: Any) -> dict[str, Any]:
        """A course taught by the first teacher (published unless told)."""
        body = {"title": "Data Science 101", "status": "published", "teacher_ids": [str(self.teacher_id)]}
        return self.post("/courses", body | fields)

    def block(self, course_id: str, **fields: Any) -> dict[str, Any]:
        """A doc content block."""
        return self.post(
            "/content-blocks",
            {"course_id": course_id, "type": "doc", "title": "Intro", "body": "Vectors and matrices."}
            | fields,
        )

    def enroll(self, course_id: str, student_id: UUID | None = None, **fields: Any) -> dict[str, Any]:
        """Enrol the first student (or another) in a course."""
        return self.post(
            "/enrollments",
            {"student_id": str(student_id or self.student_id), "course_id": course_id} | fields,
        )


QUESTIONS = [
    {"id": "q1", "type": "single_choice", "prompt": "2+2?", "options": ["3", "4"], "answer": 1},
    {
        "id": "q2",
        "type": "multiple_choice",
        "prompt": "Primes?",
        "options": ["2", "3", "4"],
        "answer": [0, 1],
    },
    {"id": "q3", "type": "true_false", "prompt": "Water is wet", "answer": True},
    {"id": "q4", "type": "short_answer", "prompt": "Capital of France", "answer": ["Paris"], "points": 2},
]


def _user(tenant_id: UUID, role: str) -> tuple[UUID, dict[str, str]]:
    """A user inserted directly (no password hashing, to keep tests fast) and a real token for it."""
    user_id = uuid4()
    as_owner(
        tenant_id,
        "INSERT INTO users (id, tenant_id, email, full_name, role) VALUES (:i, :t, :e, :n, :r)",
        i=user_id,
        t=tenant_id,
        e=f"{role}-{user_id.hex[:8]}@school.example.com",
        n=f"A {role}",
        r=role,
    )
    token, _ = create_access_token(TokenClaims(user_id, tenant_id, Role(role)))
    return user_id, {"Authorization": f"Bearer {token}"}


def build_school(client: TestClient, make_tenant: Any) -> School:
    """A fresh school; the parent is the SIS guardian of the first student."""
    tenant = make_tenant()
    token, _ = create_access_token(TokenClaims(tenant.owner_id, tenant.id, Role.owner))
    teacher_id, teacher = _user(tenant.id, "teacher")
    _, other_teacher = _user(tenant.id, "teacher")
    student_id, student = _user(tenant.id, "student")
    other_student_id, other_student = _user(tenant.id, "student")
    parent_id, parent = _user(tenant.id, "parent")
    as_owner(
        tenant.id,
        "INSERT INTO students (id, user_id, guardian_id) VALUES (gen_random_uuid(), :s, :p)",
        s=student_id,
        p=parent_id,
    )
    return School(
        client,
        tenant.id,
        {"Authorization": f"Bearer {token}"},
        teacher_id,
        teacher,
        other_teacher,
        student_id,
        student,
        other_student_id,
        other_student,
        parent,
    )


@pytest.fixture
def school(client: TestClient, make_tenant: Any) -> School:
    """A fresh school for the test."""
    return build_school(client, make_tenant)
