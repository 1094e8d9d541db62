"""Celery tasks: (re-)index content after it changes. Ids in, own tenant-scoped transaction."""

import asyncio
from uuid import UUID

from cognify.db import tenant_session
from cognify.worker import app
from vector.indexing import index_content_block, index_course, index_module


@app.task(name="vector.index_block")
def index_block(tenant_id: str, block_id: str) -> int:
    """Re-embed a content block if its text changed, or drop its chunks if it is gone."""
    with tenant_session(UUID(tenant_id)) as session:
        return asyncio.run(index_content_block(session, UUID(block_id)))


@app.task(name="vector.index_module")
def index_module_description(tenant_id: str, module_id: str) -> int:
    """Re-embed a module's description if it changed, or drop its chunks if it is gone."""
    with tenant_session(UUID(tenant_id)) as session:
        return asyncio.run(index_module(session, UUID(module_id)))


@app.task(name="vector.index_course")
def index_course_content(tenant_id: str, course_id: str) -> int:
    """Bring every source of a course up to date (backfill, or after a bulk import)."""
    with tenant_session(UUID(tenant_id)) as session:
        return asyncio.run(index_course(session, UUID(course_id)))
