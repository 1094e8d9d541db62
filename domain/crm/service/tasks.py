"""Follow-up tasks for sales staff, optionally linked to a lead."""

from datetime import date
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.crud import apply_update, get_or_404, order_by, page
from cognify.errors import ValidationFailed
from cognify.models import utcnow
from cognify.security import Actor
from domain.crm.models import Lead, Task, TaskCreate, TaskUpdate
from domain.crm.service._common import check_user, like_pattern, require

TASK_SORTS = ("created_at", "updated_at", "due_date", "title", "done_at")


def _check_lead(session: Session, lead_id: UUID | None) -> None:
    if lead_id is not None and session.exec(select(Lead.id).where(Lead.id == lead_id)).first() is None:
        raise ValidationFailed("linked_lead_id: no such lead", details={"field": "linked_lead_id"})


def create_task(session: Session, actor: Actor | None, data: TaskCreate) -> Task:
    """A new open task."""
    require(actor, "crm:manage")
    check_user(session, "assigned_to", data.assigned_to)
    _check_lead(session, data.linked_lead_id)
    task = Task(**data.model_dump())
    session.add(task)
    session.flush()
    return task


def list_tasks(
    session: Session, actor: Actor | None, *, done: bool | None = None,
    assigned_to: UUID | None = None, linked_lead_id: UUID | None = None,
    due_before: date | None = None, q: str | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Task], int]:
    """A page of tasks (`due_before` finds overdue work), with the count."""
    require(actor, "crm:read")
    query = select(Task)
    if done is not None:
        query = query.where(Task.done == done)
    if assigned_to is not None:
        query = query.where(Task.assigned_to == assigned_to)
    if linked_lead_id is not None:
        query = query.where(Task.linked_lead_id == linked_lead_id)
    if due_before is not None:
        query = query.where(col(Task.due_date) < due_before)
    if q:
        query = query.where(col(Task.title).ilike(like_pattern(q)))
    return page(session, order_by(query, Task, sort, TASK_SORTS), limit, offset)


def get_task(session: Session, actor: Actor | None, task_id: UUID) -> Task:
    """One task; 404 when absent or another tenant's."""
    require(actor, "crm:read")
    return get_or_404(session, Task, task_id, "Task")


def update_task(session: Session, actor: Actor | None, task_id: UUID, data: TaskUpdate) -> Task:
    """Change a task; marking it done stamps `done_at`, reopening clears it."""
    require(actor, "crm:manage")
    task = get_task(session, actor, task_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("title", "description", "done"):
        if field in changes and changes[field] is None:
            changes.pop(field)
    if "assigned_to" in changes:
        check_user(session, "assigned_to", changes["assigned_to"])
    if "linked_lead_id" in changes:
        _check_lead(session, changes["linked_lead_id"])
    if "done" in changes and changes["done"] != task.done:
        changes["done_at"] = utcnow() if changes["done"] else None
    return apply_update(session, task, changes)


def delete_task(session: Session, actor: Actor | None, task_id: UUID) -> None:
    """Remove a task."""
    require(actor, "crm:manage")
    session.delete(get_task(session, actor, task_id))
    session.flush()
