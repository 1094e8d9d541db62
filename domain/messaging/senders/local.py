"""The default sender: keeps the message in the local outbox (GET /api/v1/admin/outbox)."""

from domain.messaging.models import MessageStatus, OutboundMessage


class LocalOutboxSender:
    """Stores instead of sending, so nothing is silently dropped without a real backend."""

    name = "outbox"

    def deliver(self, message: OutboundMessage) -> MessageStatus:
        """Leave the message readable in the outbox."""
        return MessageStatus.stored
