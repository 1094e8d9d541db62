"""Outbound messages and campaign sends."""

import enum
from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from cognify.models import TenantScoped, json_field


class MessageStatus(enum.StrEnum):
    """Where a message is: queued for its sender, sent, or stored in the local outbox."""

    queued = "queued"
    sent = "sent"
    stored = "stored"
    skipped = "skipped"


class OutboundMessage(TenantScoped, table=True):
    """One message to one recipient on one channel."""

    __tablename__ = "outbound_messages"
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=254)
    subject: str | None = Field(default=None, max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: MessageStatus = Field(default=MessageStatus.queued, max_length=20)
    backend: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, sa_column=Column(Text))
    lead_id: UUID | None = Field(default=None, foreign_key="leads.id", ondelete="SET NULL")
    headers: dict[str, str] = json_field()  # extra email headers (a campaign's List-Unsubscribe)
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class OutboundMessagePublic(SQLModel):
    """A message as the admin outbox shows it."""

    id: UUID
    channel: str
    recipient: str
    subject: str | None
    body: str
    status: MessageStatus
    backend: str | None
    error: str | None
    lead_id: UUID | None
    created_at: datetime
    sent_at: datetime | None


class OutboundMessagesPublic(SQLModel):
    """A page of messages."""

    data: list[OutboundMessagePublic]
    count: int


class CampaignSend(TenantScoped, table=True):
    """A campaign reached a lead: at most one per campaign and lead."""

    __tablename__ = "campaign_sends"
    __table_args__ = (UniqueConstraint("campaign_id", "lead_id", name="uq_campaign_sends_campaign_lead"),)
    campaign_id: UUID = Field(foreign_key="campaigns.id", ondelete="CASCADE")
    lead_id: UUID = Field(foreign_key="leads.id", ondelete="CASCADE")
    message_id: UUID | None = Field(default=None, foreign_key="outbound_messages.id", ondelete="SET NULL")
