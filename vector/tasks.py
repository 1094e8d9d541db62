"""Celery tasks: (re-)index content after it changes. Ids in, own tenant-scoped transaction."""

import asyncio
from uuid import UUID

from sqlalchemy import text

from cognify.db import tenant_session
from cognify.worker import app
from vector.indexing import index_content_block, index_course, index_module

# Indexing waits on the embedder: a failed call is retried with backoff, not lost.
RETRIED = {"autoretry_for": (Exception,), "retry_backoff": 2, "retry_backoff_max": 300, "max_retries": 8,
           "acks_late": True}


@app.task(name="vector.index_block", **RETRIED)
def index_block(tenant_id: str, block_id: str) -> int:
    """Re-embed a content block if its text changed, or drop its chunks if it is gone."""
    with tenant_session(UUID(tenant_id)) as session:
        return asyncio.run(index_content_block(session, UUID(block_id)))


@app.task(name="vector.index_module", **RETRIED)
def index_module_description(tenant_id: str, module_id: str) -> int:
    """Re-embed a module's description if it changed, or drop its chunks if it is gone."""
    with tenant_session(UUID(tenant_id)) as session:
        return asyncio.run(index_module(session, UUID(module_id)))


@app.task(name="vector.index_module_course", **RETRIED)
def index_module_course(tenant_id: str, module_id: str) -> int:
    """After a module changed: its course's sources (its description, and which module blocks belong to)."""
    with tenant_session(UUID(tenant_id)) as session:
        course_id = session.execute(text("SELECT course_id FROM modules WHERE id = :id"),
                                    {"id": UUID(module_id)}).scalar()
        return asyncio.run(index_course(session, course_id)) if course_id else 0


@app.task(name="vector.index_course", **RETRIED)
def index_course_content(tenant_id: str, course_id: str) -> int:
    """Bring every source of a course up to date (backfill, or after a bulk import)."""
    with tenant_session(UUID(tenant_id)) as session:
        return asyncio.run(index_course(session, UUID(course_id)))
