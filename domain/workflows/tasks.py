"""Workflow background work: beat evaluates scheduled rules per tenant; event rules run as handlers."""

from datetime import timedelta
from uuid import UUID

from sqlmodel import col, select

from cognify.db import tenant_ids, tenant_session
from cognify.models import utcnow
from cognify.worker import app
from domain.workflows import engine, service
from domain.workflows.models import Workflow


@app.task(name="workflows.evaluate_schedules", acks_late=True, ignore_result=True)
def evaluate_schedules() -> int:
    """Across tenants: enqueue the evaluation of each active tenant's due scheduled rules."""
    tenants = tenant_ids(active_only=True)
    for tenant_id in tenants:
        evaluate_tenant.delay(str(tenant_id))
    return len(tenants)


@app.task(name="workflows.evaluate_tenant", acks_late=True, ignore_result=True)
def evaluate_tenant(tenant_id: str) -> int:
    """Ship the default rules, then evaluate each enabled scheduled rule that is due."""
    with tenant_session(UUID(tenant_id)) as session:
        service.ensure_defaults(session)
        rules = session.exec(select(Workflow).where(col(Workflow.enabled),
                                                    col(Workflow.schedule_minutes).is_not(None))).all()
    now = utcnow()
    due = [r.id for r in rules if r.last_evaluated_at is None
           or r.last_evaluated_at + timedelta(minutes=r.schedule_minutes or 0) <= now]
    for rule_id in due:
        evaluate_rule.delay(tenant_id, str(rule_id))
    return len(due)


@app.task(name="workflows.evaluate_rule", acks_late=True, ignore_result=True)
def evaluate_rule(tenant_id: str, workflow_id: str) -> int:
    """Evaluate one scheduled rule now; how many subjects it fired for."""
    with tenant_session(UUID(tenant_id)) as session:
        rule = session.get(Workflow, UUID(workflow_id), with_for_update=True)
        if rule is None or not rule.enabled or rule.schedule_minutes is None:
            return 0
        return engine.evaluate_schedule(session, rule)
