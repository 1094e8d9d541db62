"""Fixtures for the proctoring API: composed scenes, exams in progress, a real Celery worker."""

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "proctoring"))

from exam_setup import Exam, make_exam  # noqa: E402
from proctoring_media import Scenes, compose_scenes  # noqa: E402


@pytest.fixture(scope="session")
def scenes() -> Scenes:
    """Frames composed from real face photos, once per run."""
    return compose_scenes()


@pytest.fixture
def exam_factory(client: TestClient, make_tenant) -> Callable[..., Exam]:
    """Factory: a fresh tenant with a student sitting an exam (proctored unless told)."""

    def make(proctored: bool = True, kind: str = "exam", tenant=None) -> Exam:
        tenant = tenant or make_tenant()
        return make_exam(client, tenant.id, tenant.owner_id, proctored=proctored, kind=kind)

    return make


@pytest.fixture
def exam(exam_factory: Callable[..., Exam]) -> Exam:
    """A student sitting a proctored exam in a fresh tenant."""
    return exam_factory()


@pytest.fixture(autouse=True)
def _worker(celery_worker: Path) -> Path:
    """Every proctoring API test runs with the session's Celery worker (tests/conftest.py)."""
    return celery_worker
