"""CRM tools: leads, tasks, conversations and campaign launch, through `domain.crm.service`."""

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import EmailStr, Field

from cognify.db import TenantSession
from cognify.security import Actor
from domain.crm import service
from domain.crm.models import (
    CampaignPublic,
    Channel,
    Direction,
    LeadContact,
    LeadCreate,
    LeadPublic,
    LeadStatus,
    LeadUpdate,
    MessageCreate,
    MessagePublic,
    TaskCreate,
    TaskPublic,
)
from tools.spec import ToolArgs, declare


def _lead(lead: Any) -> dict[str, Any]:
    return LeadPublic.model_validate(lead).model_dump(mode="json")


class SearchLeadsArgs(ToolArgs):
    q: str | None = Field(default=None, max_length=200, description="Text in the name, email or phone")
    status: list[LeadStatus] | None = Field(default=None, description="Only leads in these statuses")
    source: str | None = Field(default=None, max_length=60)
    tag: str | None = Field(default=None, max_length=40)
    limit: int = Field(default=10, ge=1, le=50)


@declare("crm:read")
def search_leads(session: TenantSession, actor: Actor, args: SearchLeadsArgs) -> dict[str, Any]:
    """Search leads by text, status, source or tag; newest first."""
    rows, count = service.list_leads(
        session,
        actor,
        status=args.status,
        source=args.source,
        tag=args.tag,
        q=args.q,
        sort="-created_at",
        limit=args.limit,
    )
    return {"count": count, "leads": [_lead(r) for r in rows]}


class LeadIdArgs(ToolArgs):
    lead_id: UUID


@declare("crm:read")
def get_lead(session: TenantSession, actor: Actor, args: LeadIdArgs) -> dict[str, Any]:
    """One lead with its details."""
    return _lead(service.get_lead(session, actor, args.lead_id))


class CreateLeadArgs(ToolArgs):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32)
    source: str = Field(default="copilot", max_length=60)
    notes: str = Field(default="", max_length=10_000)
    tags: list[str] = Field(default_factory=list, max_length=20)


@declare("crm:manage", writes=True)
def create_lead(session: TenantSession, actor: Actor, args: CreateLeadArgs) -> dict[str, Any]:
    """Create a lead; refused when a lead with the same contact exists."""
    data = LeadCreate(
        name=args.name,
        source=args.source,
        notes=args.notes,
        tags=args.tags,
        contact=LeadContact(email=args.email, phone=args.phone),
    )
    return _lead(service.create_lead(session, actor, data))


class UpdateLeadStatusArgs(ToolArgs):
    lead_id: UUID
    status: LeadStatus


@declare("crm:manage", writes=True)
def update_lead_status(session: TenantSession, actor: Actor, args: UpdateLeadStatusArgs) -> dict[str, Any]:
    """Move a lead along the pipeline (new, contacted, qualified, won, lost)."""
    return _lead(service.update_lead(session, actor, args.lead_id, LeadUpdate(status=args.status)))


class AssignLeadArgs(ToolArgs):
    lead_id: UUID
    assignee_id: UUID = Field(description="The staff user who will own the lead")


@declare("crm:manage", writes=True)
def assign_lead(session: TenantSession, actor: Actor, args: AssignLeadArgs) -> dict[str, Any]:
    """Assign a lead to a staff user."""
    return _lead(service.update_lead(session, actor, args.lead_id, LeadUpdate(assigned_to=args.assignee_id)))


class CreateTaskArgs(ToolArgs):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    due_date: date | None = None
    lead_id: UUID | None = Field(default=None, description="The lead this task follows up")
    assignee_id: UUID | None = None


@declare("crm:manage", writes=True)
def create_task(session: TenantSession, actor: Actor, args: CreateTaskArgs) -> dict[str, Any]:
    """Create a follow-up task, optionally linked to a lead."""
    if args.lead_id is not None:
        service.get_lead(session, actor, args.lead_id)
    data = TaskCreate(
        title=args.title,
        description=args.description,
        due_date=args.due_date,
        assigned_to=args.assignee_id,
        linked_lead_id=args.lead_id,
    )
    return TaskPublic.model_validate(service.create_task(session, actor, data)).model_dump(mode="json")


class ListTasksArgs(ToolArgs):
    done: bool | None = None
    lead_id: UUID | None = None
    mine: bool = Field(default=False, description="Only tasks assigned to the current user")
    due_before: date | None = None
    limit: int = Field(default=20, ge=1, le=50)


@declare("crm:read")
def list_tasks(session: TenantSession, actor: Actor, args: ListTasksArgs) -> dict[str, Any]:
    """List follow-up tasks; `due_before` finds overdue work."""
    rows, count = service.list_tasks(
        session,
        actor,
        done=args.done,
        linked_lead_id=args.lead_id,
        due_before=args.due_before,
        assigned_to=actor.user_id if args.mine else None,
        sort="due_date",
        limit=args.limit,
    )
    return {"count": count, "tasks": [TaskPublic.model_validate(r).model_dump(mode="json") for r in rows]}


class LogConversationArgs(ToolArgs):
    lead_id: UUID
    channel: Channel
    direction: Direction
    body: str = Field(min_length=1, max_length=20_000)


@declare("crm:manage", writes=True)
def log_conversation(session: TenantSession, actor: Actor, args: LogConversationArgs) -> dict[str, Any]:
    """Log a message exchanged with a lead; an outbound one marks the lead contacted."""
    data = MessageCreate(channel=args.channel, direction=args.direction, body=args.body)
    message = service.add_message(session, actor, args.lead_id, data)
    return MessagePublic.model_validate(message).model_dump(mode="json")


class LaunchCampaignArgs(ToolArgs):
    campaign_id: UUID


@declare("campaigns:launch", writes=True, approval=True)
def launch_campaign(session: TenantSession, actor: Actor, args: LaunchCampaignArgs) -> dict[str, Any]:
    """Launch a draft campaign to its audience (needs a human's approval)."""
    campaign = service.launch_campaign(session, actor, args.campaign_id)
    return CampaignPublic.model_validate(campaign).model_dump(mode="json")
