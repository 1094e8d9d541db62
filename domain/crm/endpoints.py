"""CRM endpoints: HTTP only; the services hold the rules and the permission checks."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from cognify.api import PageDep, SessionDep, SortParam
from domain.crm import service
from domain.crm.models import (
    Campaign,
    CampaignCreate,
    CampaignPublic,
    CampaignsPublic,
    CampaignStatus,
    CampaignUpdate,
    Channel,
    Conversation,
    Direction,
    Lead,
    LeadCreate,
    LeadPublic,
    LeadsPublic,
    LeadStatus,
    LeadUpdate,
    Medium,
    MessageCreate,
    MessagePublic,
    MessagesPublic,
    MessageUpdate,
    Task,
    TaskCreate,
    TaskPublic,
    TasksPublic,
    TaskUpdate,
)
from domain.identity.deps import CurrentActor

router = APIRouter(prefix="/api/v1", tags=["crm"])
Text = Annotated[str | None, Query(max_length=200)]
NO_CONTENT = status.HTTP_204_NO_CONTENT


def _leads(rows: list[Lead], count: int) -> LeadsPublic:
    return LeadsPublic(data=[LeadPublic.model_validate(r) for r in rows], count=count)


@router.post("/leads", response_model=LeadPublic, status_code=status.HTTP_201_CREATED)
def create_lead(session: SessionDep, actor: CurrentActor, body: LeadCreate) -> Lead:
    """Capture a lead; a known contact is 409 `duplicate_lead` with the existing id."""
    return service.create_lead(session, actor, body)


@router.get("/leads", response_model=LeadsPublic)
def list_leads(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    status: Annotated[list[LeadStatus] | None, Query()] = None, source: Text = None,
    assigned_to: UUID | None = None, tag: Text = None, q: Text = None, contacted: bool | None = None,
) -> LeadsPublic:
    """List leads; `status` repeats, `q` searches name, email and phone."""
    rows, count = service.list_leads(
        session, actor, status=status, source=source, assigned_to=assigned_to, tag=tag, q=q,
        contacted=contacted, sort=sort, limit=page.limit, offset=page.offset,
    )
    return _leads(rows, count)


@router.get("/leads/{lead_id}", response_model=LeadPublic)
def read_lead(session: SessionDep, actor: CurrentActor, lead_id: UUID) -> Lead:
    """One lead."""
    return service.get_lead(session, actor, lead_id)


@router.patch("/leads/{lead_id}", response_model=LeadPublic)
def update_lead(session: SessionDep, actor: CurrentActor, lead_id: UUID, body: LeadUpdate) -> Lead:
    """Change a lead; an illegal status move is 409 naming from and to."""
    return service.update_lead(session, actor, lead_id, body)


@router.post("/leads/{lead_id}/reopen", response_model=LeadPublic)
def reopen_lead(session: SessionDep, actor: CurrentActor, lead_id: UUID) -> Lead:
    """Put a lost (or, for admins, won) lead back to `new`."""
    return service.reopen_lead(session, actor, lead_id)


@router.delete("/leads/{lead_id}", status_code=NO_CONTENT)
def delete_lead(session: SessionDep, actor: CurrentActor, lead_id: UUID) -> Response:
    """Delete a lead with its messages and tasks."""
    service.delete_lead(session, actor, lead_id)
    return Response(status_code=NO_CONTENT)


@router.post("/leads/{lead_id}/conversations", response_model=MessagePublic,
             status_code=status.HTTP_201_CREATED)
def add_message(
    session: SessionDep, actor: CurrentActor, lead_id: UUID, body: MessageCreate
) -> Conversation:
    """Log a message with a lead."""
    return service.add_message(session, actor, lead_id, body)


@router.get("/leads/{lead_id}/conversations", response_model=MessagesPublic)
def list_messages(
    session: SessionDep, actor: CurrentActor, lead_id: UUID, page: PageDep, sort: SortParam = None,
    channel: Channel | None = None, direction: Direction | None = None,
) -> MessagesPublic:
    """A lead's conversation, oldest first."""
    rows, count = service.list_messages(
        session, actor, lead_id, channel=channel, direction=direction, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    return MessagesPublic(data=[MessagePublic.model_validate(r) for r in rows], count=count)


@router.get("/leads/{lead_id}/conversations/{message_id}", response_model=MessagePublic)
def read_message(session: SessionDep, actor: CurrentActor, lead_id: UUID, message_id: UUID) -> Conversation:
    """One message."""
    return service.get_message(session, actor, lead_id, message_id)


@router.patch("/leads/{lead_id}/conversations/{message_id}", response_model=MessagePublic)
def update_message(
    session: SessionDep, actor: CurrentActor, lead_id: UUID, message_id: UUID, body: MessageUpdate
) -> Conversation:
    """Correct a message."""
    return service.update_message(session, actor, lead_id, message_id, body)


@router.delete("/leads/{lead_id}/conversations/{message_id}", status_code=NO_CONTENT)
def delete_message(session: SessionDep, actor: CurrentActor, lead_id: UUID, message_id: UUID) -> Response:
    """Delete a message."""
    service.delete_message(session, actor, lead_id, message_id)
    return Response(status_code=NO_CONTENT)


@router.post("/campaigns", response_model=CampaignPublic, status_code=status.HTTP_201_CREATED)
def create_campaign(session: SessionDep, actor: CurrentActor, body: CampaignCreate) -> Campaign:
    """Create a draft campaign."""
    return service.create_campaign(session, actor, body)


@router.get("/campaigns", response_model=CampaignsPublic)
def list_campaigns(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    status: CampaignStatus | None = None, medium: Medium | None = None, q: Text = None,
) -> CampaignsPublic:
    """List campaigns."""
    rows, count = service.list_campaigns(
        session, actor, status=status, medium=medium, q=q, sort=sort, limit=page.limit,
        offset=page.offset,
    )
    return CampaignsPublic(data=[CampaignPublic.model_validate(r) for r in rows], count=count)


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic)
def read_campaign(session: SessionDep, actor: CurrentActor, campaign_id: UUID) -> Campaign:
    """One campaign."""
    return service.get_campaign(session, actor, campaign_id)


@router.get("/campaigns/{campaign_id}/audience", response_model=LeadsPublic)
def campaign_audience(
    session: SessionDep, actor: CurrentActor, campaign_id: UUID, page: PageDep
) -> LeadsPublic:
    """The leads the campaign's target group selects now."""
    rows, count = service.match_campaign_leads(
        session, actor, campaign_id, limit=page.limit, offset=page.offset
    )
    return _leads(rows, count)


@router.patch("/campaigns/{campaign_id}", response_model=CampaignPublic)
def update_campaign(
    session: SessionDep, actor: CurrentActor, campaign_id: UUID, body: CampaignUpdate
) -> Campaign:
    """Change a draft or scheduled campaign."""
    return service.update_campaign(session, actor, campaign_id, body)


@router.post("/campaigns/{campaign_id}/launch", response_model=CampaignPublic)
def launch_campaign(session: SessionDep, actor: CurrentActor, campaign_id: UUID) -> Campaign:
    """Launch a draft (needs `campaigns:launch`)."""
    return service.launch_campaign(session, actor, campaign_id)


@router.post("/campaigns/{campaign_id}/cancel", response_model=CampaignPublic)
def cancel_campaign(session: SessionDep, actor: CurrentActor, campaign_id: UUID) -> Campaign:
    """Cancel a campaign that has not finished."""
    return service.cancel_campaign(session, actor, campaign_id)


@router.delete("/campaigns/{campaign_id}", status_code=NO_CONTENT)
def delete_campaign(session: SessionDep, actor: CurrentActor, campaign_id: UUID) -> Response:
    """Delete a campaign that is not running."""
    service.delete_campaign(session, actor, campaign_id)
    return Response(status_code=NO_CONTENT)


@router.post("/tasks", response_model=TaskPublic, status_code=status.HTTP_201_CREATED)
def create_task(session: SessionDep, actor: CurrentActor, body: TaskCreate) -> Task:
    """Create a task."""
    return service.create_task(session, actor, body)


@router.get("/tasks", response_model=TasksPublic)
def list_tasks(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    done: bool | None = None, assigned_to: UUID | None = None, linked_lead_id: UUID | None = None,
    due_before: date | None = None, q: Text = None,
) -> TasksPublic:
    """List tasks; `due_before` with `done=false` finds overdue work."""
    rows, count = service.list_tasks(
        session, actor, done=done, assigned_to=assigned_to, linked_lead_id=linked_lead_id,
        due_before=due_before, q=q, sort=sort, limit=page.limit, offset=page.offset,
    )
    return TasksPublic(data=[TaskPublic.model_validate(r) for r in rows], count=count)


@router.get("/tasks/{task_id}", response_model=TaskPublic)
def read_task(session: SessionDep, actor: CurrentActor, task_id: UUID) -> Task:
    """One task."""
    return service.get_task(session, actor, task_id)


@router.patch("/tasks/{task_id}", response_model=TaskPublic)
def update_task(session: SessionDep, actor: CurrentActor, task_id: UUID, body: TaskUpdate) -> Task:
    """Change a task."""
    return service.update_task(session, actor, task_id, body)


@router.delete("/tasks/{task_id}", status_code=NO_CONTENT)
def delete_task(session: SessionDep, actor: CurrentActor, task_id: UUID) -> Response:
    """Delete a task."""
    service.delete_task(session, actor, task_id)
    return Response(status_code=NO_CONTENT)
