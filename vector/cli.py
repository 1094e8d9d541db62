"""`cognify index`: (re)index a tenant's or one course's content now, with a progress bar."""

import asyncio
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import text

# The database and the embedder are imported where they are used, so the `cognify` CLI (every role
# command starts it) does not pay for them.


def sources(tenant_id: UUID, course_id: UUID | None) -> list[tuple[str, UUID]]:
    """(kind, id) of every course, module and content block to index, courses first."""
    from cognify.db import tenant_session

    where = "WHERE course_id = :course" if course_id else ""
    found: list[tuple[str, UUID]] = []
    with tenant_session(tenant_id) as session:
        courses = session.execute(text(f"SELECT id FROM courses {'WHERE id = :course' if course_id else ''} "
                                       "ORDER BY created_at"), {"course": course_id}).scalars().all()
        found += [("course", c) for c in courses]
        for kind, table in (("module", "modules"), ("block", "content_blocks")):
            rows = session.execute(text(f"SELECT id FROM {table} {where} ORDER BY created_at"),  # noqa: S608
                                   {"course": course_id}).scalars().all()
            found += [(kind, r) for r in rows]
    return found


def index_sources(tenant_id: UUID, todo: list[tuple[str, UUID]], label: str = "indexing") -> int:
    """Index each source in its own transaction, showing progress; the chunks embedded."""
    from cognify.db import tenant_session
    from vector.indexing import index_content_block, index_course_description, index_module

    calls = {"course": index_course_description, "module": index_module, "block": index_content_block}
    embedded = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as progress:
        bar = progress.add_task(label, total=len(todo))
        for kind, source_id in todo:
            with tenant_session(tenant_id) as session:
                embedded += asyncio.run(calls[kind](session, source_id))
            progress.advance(bar)
    return embedded


def index_command(
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    course: Annotated[str | None, typer.Option(help="Only this course (its id)")] = None,
) -> None:
    """Bring a tenant's (or one course's) chunks up to date; prints a JSON summary."""
    from cognify.cli import emit, ensure_database, fail
    from domain.tenancy.flows import resolve_tenant

    ensure_database()
    tenant_id = resolve_tenant(tenant)
    if tenant_id is None:
        fail(f"no active tenant with slug '{tenant}'")
        return
    try:
        course_id = UUID(course) if course else None
    except ValueError:
        fail(f"--course: '{course}' is not a course id")
        return
    todo = sources(tenant_id, course_id)
    if course_id and not todo:
        fail(f"no course '{course}' in tenant '{tenant}'")
    emit({"tenant": tenant, "course_id": course, "sources": len(todo), "chunks_embedded": index_sources(
        tenant_id, todo)})
