"""CRM tables and their API shapes: leads, campaigns, tasks, conversation messages."""

import enum
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import Column, Computed, DateTime, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from cognify.models import Patch, TenantScoped, json_field, timestamp_field

PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-.]{5,30}$"
SLUG_TEXT = r"^[a-z0-9][a-z0-9_.:\-]*$"
SEARCH_TEXT_SQL = (
    "lower(name || ' ' || coalesce(contact->>'email', '') || ' ' || "
    "coalesce(contact->>'phone', '') || ' ' || coalesce(contact->>'whatsapp', ''))"
)
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=60)]


class LeadStatus(enum.StrEnum):
    """Where a lead is in the pipeline."""

    new = "new"
    contacted = "contacted"
    qualified = "qualified"
    won = "won"
    lost = "lost"


class Medium(enum.StrEnum):
    """How a campaign reaches people."""

    email = "email"
    sms = "sms"
    whatsapp = "whatsapp"


class Channel(enum.StrEnum):
    """The channel of one conversation message."""

    email = "email"
    sms = "sms"
    whatsapp = "whatsapp"
    call = "call"
    note = "note"


class Direction(enum.StrEnum):
    """Who spoke: the lead (inbound) or us (outbound)."""

    inbound = "inbound"
    outbound = "outbound"


class CampaignStatus(enum.StrEnum):
    """A campaign's lifecycle."""

    draft = "draft"
    scheduled = "scheduled"
    running = "running"
    done = "done"
    cancelled = "cancelled"


class LeadContact(BaseModel):
    """How to reach a lead; any of the three."""

    model_config = ConfigDict(extra="forbid")
    email: EmailStr | None = None
    phone: str | None = PydanticField(default=None, max_length=32, pattern=PHONE_PATTERN)
    whatsapp: str | None = PydanticField(default=None, max_length=32, pattern=PHONE_PATTERN)


# Leads ----------------------------------------------------------------------------------------

class LeadBase(SQLModel):
    """Fields shared by every lead shape."""

    name: str = Field(min_length=1, max_length=200)
    source: Source = Field(default="manual")
    status: LeadStatus = Field(default=LeadStatus.new, max_length=20)
    assigned_to: UUID | None = None
    notes: str = Field(default="", max_length=10_000)


class LeadCreate(LeadBase):
    """A new lead."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    contact: LeadContact = Field(default_factory=LeadContact)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    marketing_consent: bool | None = None  # true: the lead opted in to marketing (stored as a consent record)


class LeadUpdate(Patch):
    """A change to a lead; status changes follow the pipeline rules."""

    nullable = frozenset({"assigned_to"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    source: Source | None = None
    status: LeadStatus | None = None
    assigned_to: UUID | None = None
    notes: str | None = Field(default=None, max_length=10_000)
    contact: LeadContact | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)


class Lead(TenantScoped, table=True):
    """A lead row; `contact_key` is the normalised contact used to refuse duplicates."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("tenant_id", "contact_key", name="uq_leads_tenant_contact_key"),)
    name: str = Field(max_length=200)
    source: str = Field(default="manual", max_length=60)
    status: LeadStatus = Field(default=LeadStatus.new, max_length=20)
    assigned_to: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    notes: str = ""
    contact: dict[str, Any] = json_field()
    contact_key: str | None = Field(default=None, max_length=300)
    tags: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False))
    search_text: str | None = Field(
        default=None, sa_column=Column(Text, Computed(SEARCH_TEXT_SQL, persisted=True))
    )
    updated_at: datetime = timestamp_field()
    last_contacted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class LeadPublic(LeadBase):
    """A lead as the API shows it."""

    id: UUID
    contact: dict[str, Any]
    contact_key: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    last_contacted_at: datetime | None


class LeadsPublic(SQLModel):
    """A page of leads."""

    data: list[LeadPublic]
    count: int


# Campaigns ------------------------------------------------------------------------------------

class TargetGroup(BaseModel):
    """Which leads a campaign reaches: every given criterion must hold (AND); lists are ORs."""

    model_config = ConfigDict(extra="forbid")
    status: list[LeadStatus] | None = PydanticField(default=None, min_length=1)
    source: list[Source] | None = PydanticField(default=None, min_length=1, max_length=50)
    tags_any: list[Tag] | None = PydanticField(default=None, min_length=1, max_length=50)
    tags_all: list[Tag] | None = PydanticField(default=None, min_length=1, max_length=50)
    assigned_to: list[UUID] | None = PydanticField(default=None, min_length=1, max_length=50)
    created_after: datetime | None = None
    created_before: datetime | None = None


class CampaignTemplate(BaseModel):
    """The message: `{{name}}`, `{{email}}`, `{{source}}` are replaced per lead."""

    model_config = ConfigDict(extra="forbid")
    subject: str | None = PydanticField(default=None, min_length=1, max_length=200)
    body: str = PydanticField(min_length=1, max_length=20_000)


class CampaignBase(SQLModel):
    """Fields shared by every campaign shape."""

    name: str = Field(min_length=1, max_length=200)
    medium: Medium = Field(max_length=20)
    send_at: datetime | None = None


class CampaignCreate(CampaignBase):
    """A new campaign (always a draft until launched)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    target_group: TargetGroup = Field(default_factory=TargetGroup)
    template: CampaignTemplate


class CampaignUpdate(Patch):
    """A change to a draft or scheduled campaign."""

    nullable = frozenset({"send_at"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    medium: Medium | None = None
    send_at: datetime | None = None
    target_group: TargetGroup | None = None
    template: CampaignTemplate | None = None


class Campaign(TenantScoped, table=True):
    """A campaign row."""

    __tablename__ = "campaigns"
    name: str = Field(max_length=200)
    medium: Medium = Field(max_length=20)
    target_group: dict[str, Any] = json_field()
    template: dict[str, Any] = json_field()
    send_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    status: CampaignStatus = Field(default=CampaignStatus.draft, max_length=20)
    created_by: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    launched_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    updated_at: datetime = timestamp_field()


class CampaignPublic(CampaignBase):
    """A campaign as the API shows it."""

    id: UUID
    target_group: dict[str, Any]
    template: dict[str, Any]
    status: CampaignStatus
    created_by: UUID | None
    launched_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CampaignsPublic(SQLModel):
    """A page of campaigns."""

    data: list[CampaignPublic]
    count: int


# Tasks ----------------------------------------------------------------------------------------

class TaskBase(SQLModel):
    """Fields shared by every task shape."""

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    due_date: date | None = None
    assigned_to: UUID | None = None
    linked_lead_id: UUID | None = None


class TaskCreate(TaskBase):
    """A new task."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class TaskUpdate(Patch):
    """A change to a task; `done` stamps or clears `done_at`."""

    nullable = frozenset({"due_date", "assigned_to", "linked_lead_id"})

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)
    due_date: date | None = None
    assigned_to: UUID | None = None
    linked_lead_id: UUID | None = None
    done: bool | None = None


class Task(TaskBase, TenantScoped, table=True):
    """A task row."""

    __tablename__ = "tasks"
    assigned_to: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    linked_lead_id: UUID | None = Field(default=None, foreign_key="leads.id", ondelete="CASCADE")
    done: bool = False
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    updated_at: datetime = timestamp_field()


class TaskPublic(TaskBase):
    """A task as the API shows it."""

    id: UUID
    done: bool
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TasksPublic(SQLModel):
    """A page of tasks."""

    data: list[TaskPublic]
    count: int


# Conversations --------------------------------------------------------------------------------

class MessageBase(SQLModel):
    """Fields shared by every conversation message shape."""

    channel: Channel = Field(max_length=20)
    direction: Direction = Field(max_length=20)
    body: str = Field(min_length=1, max_length=20_000)
    sent_at: datetime | None = None


class MessageCreate(MessageBase):
    """A new message in a lead's conversation; `sent_at` defaults to now."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class MessageUpdate(Patch):
    """A correction to a logged message."""

    channel: Channel | None = None
    direction: Direction | None = None
    body: str | None = Field(default=None, min_length=1, max_length=20_000)
    sent_at: datetime | None = None


class Conversation(TenantScoped, table=True):
    """One message of a lead's conversation history."""

    __tablename__ = "conversations"
    lead_id: UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    channel: Channel = Field(max_length=20)
    direction: Direction = Field(max_length=20)
    body: str
    sent_at: datetime = timestamp_field()
    author_id: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class MessagePublic(MessageBase):
    """A message as the API shows it."""

    id: UUID
    lead_id: UUID
    sent_at: datetime
    author_id: UUID | None
    created_at: datetime


class MessagesPublic(SQLModel):
    """A page of messages."""

    data: list[MessagePublic]
    count: int
