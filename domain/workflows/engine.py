"""Evaluating rules: select subjects, check the condition, fire once per spell, log the run."""

from uuid import UUID, uuid4

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from cognify.events import Event, handlers
from cognify.logging import get_logger
from cognify.models import utcnow
from domain.workflows import actions, conditions, subjects
from domain.workflows.models import DryRunMatch, RunStatus, Workflow, WorkflowRun
from domain.workflows.subjects import Subject

log = get_logger("workflows.engine")
# Event types a rule may trigger on: the subject kind and the payload key naming it.
TRIGGERS: dict[str, tuple[str, str]] = {
    "crm.lead_captured": ("lead", "lead_id"),
    "lms.student_enrolled": ("student", "student_id"),
}


def matches(rule: Workflow, candidates: list[Subject]) -> list[Subject]:
    """The candidates the rule's condition selects."""
    tree = conditions.parse(rule.condition, {rule.subject: subjects.FIELDS[rule.subject]})
    return [s for s in candidates if conditions.evaluate(tree, {rule.subject: s.fields})]


def _already_fired(session: Session, rule: Workflow, subject_id: UUID, spell: str) -> bool:
    return session.exec(select(WorkflowRun.id).where(
        WorkflowRun.workflow_id == rule.id, WorkflowRun.subject_id == subject_id,
        WorkflowRun.spell == spell, WorkflowRun.status == RunStatus.fired)).first() is not None


def fire(session: Session, rule: Workflow, subject: Subject, spell: str) -> bool:
    """Run the rule's actions for a subject once per spell; a failure is logged as a failed run."""
    table = WorkflowRun.__table__  # type: ignore[attr-defined]
    try:
        with session.begin_nested():
            run_id = session.execute(pg_insert(WorkflowRun).values(
                id=uuid4(), workflow_id=rule.id, subject_id=subject.id, spell=spell, status=RunStatus.fired,
            ).on_conflict_do_nothing(
                index_elements=["workflow_id", "subject_id", "spell"],
                index_where=table.c.status == RunStatus.fired,
            ).returning(table.c.id)).scalar()
            if run_id is None:
                return False
            todo = actions.ACTIONS.validate_python(rule.actions)
            results = [actions.run(session, rule, subject, a) for a in todo]
            session.execute(table.update().where(table.c.id == run_id).values(results=results))
    except Exception as exc:  # noqa: BLE001 - a rule's failure is the tenant's to read in the run log
        log.warning("workflow_action_failed", workflow_id=str(rule.id), subject_id=str(subject.id),
                    error=repr(exc))
        session.add(WorkflowRun(tenant_id=rule.tenant_id, workflow_id=rule.id, subject_id=subject.id,
                                spell=spell, status=RunStatus.failed, error=str(exc)[:2000]))
        session.flush()
        return False
    return True


def evaluate_schedule(session: Session, rule: Workflow) -> int:
    """Evaluate a scheduled rule over every subject now; how many fired."""
    fired = sum(fire(session, rule, s, s.spell) for s in matches(rule, subjects.load(session, rule.subject)))
    rule.last_evaluated_at = utcnow()
    session.add(rule)
    session.flush()
    return fired


def dry_run(session: Session, rule: Workflow) -> tuple[int, list[DryRunMatch]]:
    """What the rule would do now, without writing anything."""
    candidates = subjects.load(session, rule.subject)
    result = []
    for s in matches(rule, candidates):
        spell = s.spell if rule.schedule_minutes else "event"
        result.append(DryRunMatch(subject_id=s.id, fields=s.fields, actions=rule.actions,
                                  would_fire=not _already_fired(session, rule, s.id, spell)))
    return len(candidates), result


def on_event(session: Session, event: Event) -> None:
    """Fire the tenant's enabled rules triggered by this event type, once per event."""
    kind, key = TRIGGERS[event.type]
    rules = session.exec(select(Workflow).where(Workflow.trigger_event == event.type,
                                                col(Workflow.enabled))).all()
    if not rules or not event.payload.get(key):
        return
    found = subjects.load(session, kind, UUID(event.payload[key]))
    for rule in rules:
        for subject in matches(rule, found):
            fire(session, rule, subject, f"event:{event.id}")


for _event_type in TRIGGERS:
    handlers.on(_event_type, name=f"workflows.on:{_event_type}")(on_event)
