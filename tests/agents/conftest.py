"""Agent fixtures: a scripted chat model injected through the app's dependency, and a small school."""

from collections.abc import Callable, Iterator

import pytest
from agent_rows import School, add_course, add_lead, add_user, bearer, install_model
from fastapi.testclient import TestClient

from agents.llm import chat_model_factory
from agents.testing import ScriptedChatModel
from cognify.db import tenant_session
from cognify.security import Role
from domain.sis.models import Student


@pytest.fixture
def use_model(client: TestClient) -> Iterator[Callable[[ScriptedChatModel], ScriptedChatModel]]:
    """Install a scripted model on the shared app for one test."""

    def install(model: ScriptedChatModel) -> ScriptedChatModel:
        install_model(client.app, model)  # type: ignore[arg-type]
        return model

    yield install
    client.app.dependency_overrides.pop(chat_model_factory, None)  # type: ignore[attr-defined]


@pytest.fixture
def make_school(make_tenant) -> Callable[[], School]:
    """Factory: a fresh school."""

    def make() -> School:
        tenant = make_tenant()
        owner = bearer(tenant.id, tenant.owner_id, Role.owner)
        student_id, student_headers = add_user(tenant.id, Role.student)
        with tenant_session(tenant.id) as session:
            student = Student(tenant_id=tenant.id, user_id=student_id, personal_info={"name": "Sam Student"})
            session.add(student)
            session.flush()
            sis_id = student.id
        return School(
            tenant,
            tenant.id,
            owner,
            tenant.owner_id,
            add_lead(tenant.id, "Lena Lead"),
            student_id,
            student_headers,
            sis_id,
            add_course(tenant.id, "Algebra"),
        )

    return make
