"""Data-subject requests: a right-of-access export, its state, progress and audit trail."""

import enum
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlmodel import Field

from cognify.models import TenantScoped, json_field, timestamp_field

PRIVACY_REQUESTED = "privacy.requested"


class RequestState(enum.StrEnum):
    """Where a request is."""

    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class PrivacyRequest(TenantScoped, table=True):
    """One data subject's request."""

    __tablename__ = "privacy_requests"
    type: str = Field(max_length=20)
    subject_user_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    requested_by: UUID
    state: RequestState = Field(default=RequestState.pending, max_length=20)
    progress: int = 0
    total: int = 0
    archive_key: str | None = Field(default=None, max_length=300)
    archive_bytes: int | None = None
    archive_expires_at: datetime | None = None
    error: str | None = None
    not_before: datetime | None = None  # an erasure waits out the tenant's grace period
    result: dict[str, Any] = json_field()  # what an erasure changed, per table and store
    updated_at: datetime = timestamp_field()
    finished_at: datetime | None = None


class PrivacyRequestEvent(TenantScoped, table=True):
    """One step of a request's audit trail (append-only: the app role cannot change or delete it)."""

    __tablename__ = "privacy_request_events"
    request_id: UUID = Field(foreign_key="privacy_requests.id", ondelete="CASCADE", index=True)
    actor_id: UUID | None = None
    state: RequestState = Field(max_length=20)
    message: str = ""


class RetentionCategory(enum.StrEnum):
    """What a retention period applies to (the rules are in `domain/privacy/retention.py`)."""

    proctoring_evidence = "proctoring_evidence"
    ai_conversations = "ai_conversations"
    unconverted_leads = "unconverted_leads"
    export_archives = "export_archives"
    messages = "messages"
    workflow_runs = "workflow_runs"
    outbox_events = "outbox_events"
    dead_letters = "dead_letters"


RetentionDays = Annotated[int, PydanticField(ge=0, le=3650)]


class PrivacySettings(BaseModel):
    """A tenant's `customizations["privacy"]` block."""

    model_config = ConfigDict(extra="forbid")
    erasure_grace_days: int = PydanticField(default=0, ge=0, le=90)
    guardian_consent_age: int | None = PydanticField(default=None, ge=0, le=21)  # None: 18 in India, else 13
    # Days per category; a category not named keeps its default.
    retention_days: dict[RetentionCategory, RetentionDays] = PydanticField(default_factory=dict)


class RequestCreate(BaseModel):
    """A new request: `export` gives the subject a ZIP of everything the platform holds about them;
    `erase` removes it, as the data map says, after the tenant's grace period."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["export", "erase"]
    subject_user_id: UUID


class RequestEventPublic(BaseModel):
    """One audit-trail step."""

    state: RequestState
    actor_id: UUID | None
    message: str
    created_at: datetime


class RequestPublic(BaseModel):
    """A request as the API shows it; `download_url` is a signed link, valid until `archive_expires_at`."""

    id: UUID
    type: str
    subject_user_id: UUID
    requested_by: UUID
    state: RequestState
    progress: int
    total: int
    archive_bytes: int | None
    archive_expires_at: datetime | None
    download_url: str | None
    error: str | None
    not_before: datetime | None
    result: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    events: list[RequestEventPublic]
