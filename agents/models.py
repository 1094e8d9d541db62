"""Agent tables: who owns a thread, and the audit log of tool calls, approvals and refusals."""

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from cognify.models import TenantScoped, json_field, timestamp_field


class AgentName(enum.StrEnum):
    """The agents a thread can belong to."""

    copilot = "copilot"
    tutor = "tutor"


class AuditKind(enum.StrEnum):
    """What an audit row records."""

    tool_call = "tool_call"
    approval = "approval"
    refusal = "refusal"


class AgentThread(TenantScoped, table=True):
    """A conversation thread; its checkpoints live in the LangGraph tables under the same id."""

    __tablename__ = "agent_threads"
    user_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    agent: AgentName = Field(max_length=20)
    title: str = Field(default="", max_length=200)
    updated_at: datetime = timestamp_field()


class AgentAudit(TenantScoped, table=True):
    """One audited agent action."""

    __tablename__ = "agent_audit"
    user_id: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL", index=True)
    thread_id: UUID | None = Field(default=None, foreign_key="agent_threads.id", ondelete="SET NULL")
    agent: str = Field(max_length=20)
    kind: AuditKind = Field(max_length=20)
    tool: str | None = Field(default=None, max_length=60)
    tool_call_id: str | None = Field(default=None, max_length=100)
    outcome: str = Field(max_length=20)
    args: dict[str, Any] = json_field()
    summary: str = ""


class AuditPublic(SQLModel):
    """An audit row as the API shows it."""

    id: UUID
    user_id: UUID | None
    thread_id: UUID | None
    agent: str
    kind: AuditKind
    tool: str | None
    tool_call_id: str | None
    outcome: str
    args: dict[str, Any]
    summary: str
    created_at: datetime


class AuditsPublic(SQLModel):
    """A page of audit rows."""

    data: list[AuditPublic]
    count: int


class ThreadCreated(BaseModel):
    """The new thread's id."""

    thread_id: UUID


class MessageIn(BaseModel):
    """A user's message to an agent."""

    model_config = ConfigDict(extra="forbid")
    content: str = Field(min_length=1, max_length=20_000)


class Decision(enum.StrEnum):
    """A human's answer to a paused tool call."""

    approve = "approve"
    edit = "edit"
    reject = "reject"


class ApprovalIn(BaseModel):
    """Approve, edit (with new arguments) or reject the paused tool call."""

    model_config = ConfigDict(extra="forbid")
    decision: Decision
    args: dict[str, Any] | None = None
