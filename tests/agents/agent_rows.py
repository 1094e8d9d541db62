"""Rows and tokens for agent tests, made directly in the database (fast), and model injection."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from fastapi import FastAPI

from agents.llm import chat_model_factory
from agents.testing import ScriptedChatModel
from cognify.db import tenant_session
from cognify.security import Role, TokenClaims, create_access_token
from domain.crm.models import Lead
from domain.identity.models import User
from domain.lms.models import Course, CourseStatus


def install_model(app: FastAPI, model: ScriptedChatModel) -> None:
    """Make every agent of the app talk to `model`."""
    app.dependency_overrides[chat_model_factory] = lambda: lambda actor, agent: model


@dataclass
class School:
    """A tenant with an owner, a lead, a student (user + SIS record) and a published course."""

    tenant: Any
    tenant_id: UUID
    owner: dict[str, str]
    owner_id: UUID
    lead_id: UUID
    student_user_id: UUID
    student_headers: dict[str, str]
    sis_student_id: UUID
    course_id: UUID


def add_lead(tenant_id: UUID, name: str, notes: str = "") -> UUID:
    """A lead row."""
    with tenant_session(tenant_id) as session:
        lead = Lead(tenant_id=tenant_id, name=name, notes=notes, contact={})
        session.add(lead)
        session.flush()
        return lead.id


def add_course(tenant_id: UUID, title: str, teacher_ids: list[UUID] | None = None) -> UUID:
    """A published course row."""
    with tenant_session(tenant_id) as session:
        course = Course(
            tenant_id=tenant_id,
            title=title,
            status=CourseStatus.published,
            teacher_ids=teacher_ids or [],
            drip_schedule={"enabled": True},
        )
        session.add(course)
        session.flush()
        return course.id


def bearer(tenant_id: UUID, user_id: UUID, role: Role) -> dict[str, str]:
    """Headers with a freshly signed access token (no password round trip: tests stay fast)."""
    token, _ = create_access_token(TokenClaims(user_id, tenant_id, role))
    return {"Authorization": f"Bearer {token}"}


def add_user(tenant_id: UUID, role: Role) -> tuple[UUID, dict[str, str]]:
    """A user row of a role, and bearer headers for it."""
    with tenant_session(tenant_id) as session:
        user = User(
            tenant_id=tenant_id,
            email=f"{role}-{uuid4().hex[:8]}@agents.example.com",
            full_name=f"A {role}",
            role=role,
        )
        session.add(user)
        session.flush()
        user_id = user.id
    return user_id, bearer(tenant_id, user_id, role)
