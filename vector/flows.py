"""Content changes -> the course's embedding space, through the outbox.

Creating or changing a course, module or content block emits `lms.content_changed` from a mapper
hook, in the transaction that writes the row, so the LMS needs no knowledge of indexing. The
handler enqueues the matching index task; indexing re-embeds only what changed (content hash).
Deleting needs no event: the chunk tables' foreign keys cascade.
"""

from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Mapper, object_session
from sqlmodel import Session

from cognify.events import Event, emit_on, handlers
from domain.lms.models import ContentBlock, Course, Module

CONTENT_CHANGED = "lms.content_changed"
SOURCES: dict[type, str] = {ContentBlock: "block", Module: "module", Course: "course"}


def content_changed(_: Mapper[Any], connection: Connection, row: ContentBlock | Module | Course) -> None:
    """The mapper hook: emit `lms.content_changed` for the written row."""
    session = object_session(row)
    tenant_id = (session.info.get("tenant_id") if session else None) or row.tenant_id
    emit_on(connection, session, tenant_id, CONTENT_CHANGED, {"source": SOURCES[type(row)], "id": row.id})


for _model in SOURCES:
    event.listen(_model, "after_insert", content_changed)
    event.listen(_model, "after_update", content_changed)


@handlers.on(CONTENT_CHANGED, name="vector.index_changed_content")
def index_changed_content(_: Session, changed: Event) -> None:
    """Queue the re-index: a block alone; a module or course with every source of its course (a
    module's block list decides which module its blocks' chunks belong to)."""
    from vector import tasks

    source, source_id, tenant = changed.payload["source"], changed.payload["id"], str(changed.tenant_id)
    if source == "block":
        tasks.index_block.delay(tenant, source_id)
    elif source == "module":
        tasks.index_module_course.delay(tenant, source_id)
    else:
        tasks.index_course_content.delay(tenant, source_id)
