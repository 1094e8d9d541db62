"""Vector fixtures: a counting wrapper around the REAL local embedder, and course content factories."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from uuid import UUID

import pytest

from cognify.db import tenant_session
from domain.lms.models import ContentBlock, Course, Module
from vector.embedder import LiteLLMEmbedder


@dataclass
class CountingEmbedder:
    """The real local model (through LiteLLM), counting calls and texts."""

    inner: LiteLLMEmbedder = field(default_factory=LiteLLMEmbedder)
    calls: int = 0
    texts: int = 0

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def dimensions(self) -> int:
        return self.inner.dimensions

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        self.texts += len(texts)
        return await self.inner.embed(texts)


@pytest.fixture
def embedder() -> CountingEmbedder:
    """A fresh counting embedder."""
    return CountingEmbedder()


@pytest.fixture(autouse=True)
def indexer_alone() -> Iterator[None]:
    """These tests drive the indexer and count its embeddings; the content-change hooks would have the
    session's worker index the same rows concurrently. The event path is tested in
    tests/agents/test_tutor_indexing.py."""
    from sqlalchemy import event

    from vector import flows

    hooks = [(model, name) for model in flows.SOURCES for name in ("after_insert", "after_update")]
    for model, name in hooks:
        event.remove(model, name, flows.content_changed)
    yield
    for model, name in hooks:
        event.listen(model, name, flows.content_changed)


@pytest.fixture
def make_course() -> Callable[..., UUID]:
    """Factory: a course in a tenant; its id."""

    def make(tenant_id: UUID, title: str = "Course", description: str = "") -> UUID:
        with tenant_session(tenant_id) as session:
            course = Course(tenant_id=tenant_id, title=title, description=description)
            session.add(course)
            session.flush()
            return course.id

    return make


@pytest.fixture
def make_block() -> Callable[..., UUID]:
    """Factory: a content block in a course (optionally listed in a new module); its id."""

    def make(tenant_id: UUID, course_id: UUID, title: str, body: str, type: str = "doc",
             module_name: str | None = None) -> UUID:
        with tenant_session(tenant_id) as session:
            block = ContentBlock(tenant_id=tenant_id, course_id=course_id, type=type, title=title, body=body)
            session.add(block)
            session.flush()
            if module_name:
                session.add(Module(tenant_id=tenant_id, course_id=course_id, name=module_name,
                                   content_block_refs=[block.id]))
            return block.id

    return make
