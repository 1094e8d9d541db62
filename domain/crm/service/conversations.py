"""A lead's conversation history: messages by channel and direction."""

from uuid import UUID

from sqlmodel import Session, select

from cognify.crud import apply_update, order_by, page
from cognify.errors import NotFound
from cognify.models import utcnow
from cognify.security import Actor
from domain.crm.models import Channel, Conversation, Direction, MessageCreate, MessageUpdate
from domain.crm.service._common import require
from domain.crm.service.leads import get_lead, mark_contacted

MESSAGE_SORTS = ("sent_at", "created_at")


def add_message(
    session: Session, actor: Actor | None, lead_id: UUID, data: MessageCreate
) -> Conversation:
    """Log a message; an outbound one (not an internal note) marks the lead contacted."""
    require(actor, "crm:manage")
    lead = get_lead(session, actor, lead_id)
    message = Conversation(
        lead_id=lead.id, channel=data.channel, direction=data.direction, body=data.body,
        sent_at=data.sent_at or utcnow(), author_id=actor.user_id if actor else None,
    )
    session.add(message)
    if data.direction == Direction.outbound and data.channel != Channel.note:
        mark_contacted(session, lead)
    session.flush()
    return message


def list_messages(
    session: Session, actor: Actor | None, lead_id: UUID, *, channel: Channel | None = None,
    direction: Direction | None = None, sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Conversation], int]:
    """A page of a lead's messages, oldest first by default, with the count."""
    require(actor, "crm:read")
    get_lead(session, actor, lead_id)
    query = select(Conversation).where(Conversation.lead_id == lead_id)
    if channel is not None:
        query = query.where(Conversation.channel == channel)
    if direction is not None:
        query = query.where(Conversation.direction == direction)
    return page(session, order_by(query, Conversation, sort, MESSAGE_SORTS, default="sent_at"),
                limit, offset)


def get_message(session: Session, actor: Actor | None, lead_id: UUID, message_id: UUID) -> Conversation:
    """One message of a lead; 404 when absent, another lead's or another tenant's."""
    require(actor, "crm:read")
    message = session.get(Conversation, message_id)
    if message is None or message.lead_id != lead_id:
        raise NotFound("Message not found")
    return message


def update_message(
    session: Session, actor: Actor | None, lead_id: UUID, message_id: UUID, data: MessageUpdate
) -> Conversation:
    """Correct a logged message."""
    require(actor, "crm:manage")
    message = get_message(session, actor, lead_id, message_id)
    return apply_update(session, message, data)


def delete_message(session: Session, actor: Actor | None, lead_id: UUID, message_id: UUID) -> None:
    """Remove a message."""
    require(actor, "crm:manage")
    session.delete(get_message(session, actor, lead_id, message_id))
    session.flush()
