"""Workflow rules: validated on save, defaults shipped per tenant, dry runs and the run log."""

from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, select

from cognify.crud import apply_update, get_or_404, order_by, page
from cognify.errors import Conflict, ValidationFailed
from cognify.security import Actor
from domain.workflows import actions, conditions, engine, subjects
from domain.workflows.models import Workflow, WorkflowCreate, WorkflowRun, WorkflowUpdate

WORKFLOW_SORTS = ("created_at", "updated_at", "name")
RUN_SORTS = ("created_at", "status")
DEFAULT_RULES: tuple[dict[str, Any], ...] = ({
    "default_key": "student_inactive_7d",
    "name": "Inactive student: email and CRM task",
    "description": "A student inactive for 7 days gets an email and staff a follow-up task, "
                   "once per inactivity spell.",
    "subject": "student", "schedule_minutes": 1440,
    "condition": 'student.inactive_days >= 7 and student.status == "active"',
    "actions": [
        {"type": "send_email", "to": "subject", "subject": "We miss you, {{name}}",
         "body": "Hi {{name}}, it has been {{inactive_days}} days since your last visit. "
                 "Your courses are waiting for you."},
        {"type": "create_task", "title": "Check in with {{name}} (inactive {{inactive_days}} days)",
         "due_in_days": 1},
    ],
},)


def _invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", details={"field": field})


def validate_rule(rule: Workflow) -> None:
    """422 naming the field and the reason for a rule that could not run."""
    if (rule.trigger_event is None) == (rule.schedule_minutes is None):
        raise _invalid("trigger_event", "give exactly one of trigger_event or schedule_minutes")
    if rule.trigger_event is not None:
        kind = engine.TRIGGERS.get(rule.trigger_event, (None,))[0]
        if kind is None:
            raise _invalid("trigger_event", f"unknown event (known: {', '.join(sorted(engine.TRIGGERS))})")
        if kind != rule.subject:
            raise _invalid("trigger_event", f"'{rule.trigger_event}' concerns a {kind}, not a {rule.subject}")
    try:
        conditions.parse(rule.condition, {rule.subject: subjects.FIELDS[rule.subject]})
    except conditions.ConditionError as exc:
        raise _invalid("condition", str(exc)) from exc
    try:
        parsed = actions.ACTIONS.validate_python(rule.actions)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise _invalid(".".join(["actions", *map(str, first["loc"])]), first["msg"]) from exc
    for i, action in enumerate(parsed):
        if rule.subject != "lead" and action.type in actions.LEAD_ONLY:
            raise _invalid(f"actions.{i}.type", f"'{action.type}' applies to leads only")


def ensure_defaults(session: Session) -> None:
    """Create the tenant's shipped rules once (a deleted default stays deleted only if disabled)."""
    for rule in DEFAULT_RULES:
        session.execute(pg_insert(Workflow).values(
            id=uuid4(), tenant_id=session.info["tenant_id"], **rule,
        ).on_conflict_do_nothing(constraint="uq_workflows_default_key"))


def create_workflow(session: Session, actor: Actor, data: WorkflowCreate) -> Workflow:
    """A new validated rule."""
    rule = Workflow(**data.model_dump(exclude={"actions"}), actions=[
        a.model_dump(mode="json") for a in data.actions], created_by=actor.user_id,
        tenant_id=actor.tenant_id)
    validate_rule(rule)
    session.add(rule)
    session.flush()
    return rule


def list_workflows(
    session: Session, *, sort: str | None, limit: int, offset: int,
) -> tuple[list[Workflow], int]:
    """A page of the tenant's rules (shipped defaults included)."""
    ensure_defaults(session)
    return page(session, order_by(select(Workflow), Workflow, sort, WORKFLOW_SORTS), limit, offset)


def get_workflow(session: Session, workflow_id: UUID) -> Workflow:
    """One rule; 404 when absent or another tenant's."""
    return get_or_404(session, Workflow, workflow_id, "Workflow")


def update_workflow(session: Session, workflow_id: UUID, data: WorkflowUpdate) -> Workflow:
    """Change a rule; the result is validated before it is saved."""
    rule = get_workflow(session, workflow_id)
    changes = data.model_dump(exclude_unset=True, exclude={"actions"})
    for field in ("name", "description", "condition", "enabled"):
        if field in changes and changes[field] is None:
            changes.pop(field)
    if data.actions is not None:
        changes["actions"] = [a.model_dump(mode="json") for a in data.actions]
    candidate = Workflow(**(rule.model_dump() | changes))
    validate_rule(candidate)
    return apply_update(session, rule, changes)


def delete_workflow(session: Session, workflow_id: UUID) -> None:
    """Remove a rule; a shipped default can only be disabled."""
    rule = get_workflow(session, workflow_id)
    if rule.default_key:
        raise Conflict("A shipped rule cannot be deleted; disable it instead", code="default_rule")
    session.delete(rule)
    session.flush()


def list_runs(session: Session, workflow_id: UUID, *, sort: str | None, limit: int,
              offset: int) -> tuple[list[WorkflowRun], int]:
    """A page of a rule's run log, newest first."""
    get_workflow(session, workflow_id)
    query = select(WorkflowRun).where(WorkflowRun.workflow_id == workflow_id)
    return page(session, order_by(query, WorkflowRun, sort, RUN_SORTS), limit, offset)
