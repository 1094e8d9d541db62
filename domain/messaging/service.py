"""Queueing messages in the caller's transaction and delivering them through their sender."""

from uuid import UUID

from sqlmodel import Session, select

from cognify.crud import order_by, page
from cognify.events import Event, emit, handlers
from cognify.models import utcnow
from cognify.settings import get_settings
from domain.messaging.models import MessageStatus, OutboundMessage
from domain.messaging.senders import sender_for

MESSAGE_QUEUED = "messaging.message_queued"
MESSAGE_SORTS = ("created_at", "sent_at", "status", "channel")


def queue_message(
    session: Session, *, channel: str, recipient: str, body: str, subject: str | None = None,
    lead_id: UUID | None = None, headers: dict[str, str] | None = None,
) -> OutboundMessage:
    """Write a message and its delivery event in the caller's transaction."""
    message = OutboundMessage(tenant_id=session.info["tenant_id"], channel=channel, recipient=recipient,
                              subject=subject, body=body, lead_id=lead_id, headers=headers or {})
    session.add(message)
    session.flush()
    emit(session, MESSAGE_QUEUED, {"message_id": message.id})
    return message


@handlers.on(MESSAGE_QUEUED, name="messaging.deliver")
def deliver(session: Session, event: Event) -> None:
    """Hand a queued message to its channel's sender; a failure is retried by the outbox."""
    message = session.get(OutboundMessage, UUID(event.payload["message_id"]), with_for_update=True)
    if message is None or message.status != MessageStatus.queued:
        return
    sender = sender_for(message.channel, get_settings())
    message.status = sender.deliver(message)
    message.backend = sender.name
    message.sent_at = utcnow() if message.status == MessageStatus.sent else None
    session.add(message)


def list_messages(
    session: Session, *, status: MessageStatus | None = None, channel: str | None = None,
    recipient: str | None = None, sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[OutboundMessage], int]:
    """A page of the tenant's outbound messages, newest first by default."""
    query = select(OutboundMessage)
    if status is not None:
        query = query.where(OutboundMessage.status == status)
    if channel is not None:
        query = query.where(OutboundMessage.channel == channel)
    if recipient is not None:
        query = query.where(OutboundMessage.recipient == recipient)
    return page(session, order_by(query, OutboundMessage, sort, MESSAGE_SORTS, default="-created_at"),
                limit, offset)
