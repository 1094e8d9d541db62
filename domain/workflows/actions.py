"""What a firing rule does: each action returns a small JSON result for the run log."""

import re
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlmodel import Session

from cognify.models import utcnow
from domain.crm import service as crm
from domain.crm.models import Campaign, CampaignStatus, Lead, LeadUpdate, TaskCreate
from domain.identity.models import User
from domain.messaging.campaigns import send_to_lead
from domain.messaging.service import queue_message
from domain.workflows.models import (
    Action,
    CreateTask,
    EnqueueCampaign,
    SendEmail,
    UpdateLeadStatus,
    Workflow,
)
from domain.workflows.subjects import Subject

ACTIONS = TypeAdapter(list[Action])
LEAD_ONLY = frozenset({"update_lead_status", "enqueue_campaign"})
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def render(template: str, subject: Subject) -> str:
    """Fill `{{field}}` placeholders from the subject's fields."""
    return _PLACEHOLDER.sub(lambda m: str(subject.fields.get(m.group(1), "")), template)


def run(session: Session, rule: Workflow, subject: Subject, action: Action) -> dict[str, Any]:
    """Carry out one action for one subject."""
    if isinstance(action, SendEmail):
        return _send_email(session, subject, action)
    if isinstance(action, CreateTask):
        task = crm.create_task(session, None, TaskCreate(
            title=render(action.title, subject), description=render(action.description, subject),
            due_date=utcnow().date() + timedelta(days=action.due_in_days),
            assigned_to=subject.assignee or rule.created_by, linked_lead_id=subject.lead_id))
        return {"type": action.type, "task_id": str(task.id)}
    if isinstance(action, UpdateLeadStatus):
        lead = crm.update_lead(session, None, subject.id, LeadUpdate(status=action.status))
        return {"type": action.type, "status": lead.status}
    return _enqueue_campaign(session, subject, action)


def _send_email(session: Session, subject: Subject, action: SendEmail) -> dict[str, Any]:
    recipient = subject.email
    if action.to == "assignee":
        user = session.get(User, subject.assignee) if subject.assignee else None
        recipient = user.email if user else None
    if not recipient:
        return {"type": action.type, "skipped": f"no {action.to} email"}
    message = queue_message(session, channel="email", recipient=recipient, lead_id=subject.lead_id,
                            subject=render(action.subject, subject), body=render(action.body, subject))
    return {"type": action.type, "message_id": str(message.id), "to": recipient}


def _enqueue_campaign(session: Session, subject: Subject, action: EnqueueCampaign) -> dict[str, Any]:
    campaign = session.get(Campaign, action.campaign_id)
    lead = session.get(Lead, subject.id)
    if campaign is None or lead is None or campaign.status != CampaignStatus.running:
        return {"type": action.type, "skipped": "campaign not running"}
    return {"type": action.type, "sent": send_to_lead(session, campaign, lead)}
