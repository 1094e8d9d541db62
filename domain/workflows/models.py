"""Workflow rules, their run log, and the API shapes (actions as a tagged union)."""

import enum
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel

from cognify.models import Patch, TenantScoped, json_field, timestamp_field
from domain.crm.models import LeadStatus

Subject = Literal["student", "lead"]
Text200 = Annotated[str, PydanticField(min_length=1, max_length=200)]


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendEmail(_Action):
    """Email the subject (or its assigned staff member) from a `{{field}}` template."""

    type: Literal["send_email"]
    to: Literal["subject", "assignee"] = "subject"
    subject: Text200
    body: str = PydanticField(min_length=1, max_length=20_000)


class CreateTask(_Action):
    """A CRM task for the subject's assigned staff member (or the rule's author)."""

    type: Literal["create_task"]
    title: Text200
    description: str = PydanticField(default="", max_length=10_000)
    due_in_days: int = PydanticField(default=1, ge=0, le=365)


class UpdateLeadStatus(_Action):
    """Move the lead along the pipeline."""

    type: Literal["update_lead_status"]
    status: LeadStatus


class EnqueueCampaign(_Action):
    """Send a running campaign's message to the lead (once per lead)."""

    type: Literal["enqueue_campaign"]
    campaign_id: UUID


Action = Annotated[SendEmail | CreateTask | UpdateLeadStatus | EnqueueCampaign,
                   PydanticField(discriminator="type")]


class RunStatus(enum.StrEnum):
    """A run log entry: the rule fired, or its actions failed."""

    fired = "fired"
    failed = "failed"


class WorkflowBase(SQLModel):
    """Fields shared by every rule shape."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    subject: Subject = Field(max_length=20)
    trigger_event: str | None = Field(default=None, max_length=80)
    schedule_minutes: int | None = Field(default=None, ge=5, le=10_080)
    condition: str = Field(default="", max_length=2000)
    enabled: bool = True


class WorkflowCreate(WorkflowBase):
    """A new rule: exactly one of `trigger_event` or `schedule_minutes`."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    actions: list[Action] = Field(min_length=1, max_length=10)


class WorkflowUpdate(Patch):
    """A change to a rule; the result is validated as a whole."""

    nullable = frozenset({"trigger_event", "schedule_minutes"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    trigger_event: str | None = Field(default=None, max_length=80)
    schedule_minutes: int | None = Field(default=None, ge=5, le=10_080)
    condition: str | None = Field(default=None, max_length=2000)
    actions: list[Action] | None = Field(default=None, min_length=1, max_length=10)
    enabled: bool | None = None


class Workflow(TenantScoped, table=True):
    """A rule row."""

    __tablename__ = "workflows"
    name: str = Field(max_length=200)
    description: str = ""
    subject: str = Field(max_length=20)
    trigger_event: str | None = Field(default=None, max_length=80)
    schedule_minutes: int | None = None
    condition: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    actions: list[dict[str, Any]] = json_field(list)
    enabled: bool = True
    default_key: str | None = Field(default=None, max_length=60)
    last_evaluated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_by: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    updated_at: datetime = timestamp_field()


class WorkflowPublic(WorkflowBase):
    """A rule as the API shows it."""

    id: UUID
    actions: list[dict[str, Any]]
    default_key: str | None
    last_evaluated_at: datetime | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime


class WorkflowsPublic(SQLModel):
    """A page of rules."""

    data: list[WorkflowPublic]
    count: int


class WorkflowRun(TenantScoped, table=True):
    """One firing (or failed firing) of a rule for one subject in one spell."""

    __tablename__ = "workflow_runs"
    workflow_id: UUID = Field(foreign_key="workflows.id", ondelete="CASCADE")
    subject_id: UUID
    spell: str = Field(max_length=120)
    status: RunStatus = Field(max_length=20)
    results: list[dict[str, Any]] = json_field(list)
    error: str | None = None


class WorkflowRunPublic(SQLModel):
    """A run log entry."""

    id: UUID
    workflow_id: UUID
    subject_id: UUID
    spell: str
    status: RunStatus
    results: list[dict[str, Any]]
    error: str | None
    created_at: datetime


class WorkflowRunsPublic(SQLModel):
    """A page of run log entries."""

    data: list[WorkflowRunPublic]
    count: int


class DryRunMatch(SQLModel):
    """A subject the rule selects now, and whether it would fire (or already did this spell)."""

    subject_id: UUID
    fields: dict[str, Any]
    would_fire: bool
    actions: list[dict[str, Any]]


class DryRun(SQLModel):
    """What a rule would do if evaluated now."""

    evaluated: int
    matches: list[DryRunMatch]
