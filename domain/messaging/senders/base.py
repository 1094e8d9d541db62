"""What every channel sender does."""

from typing import Protocol

from domain.messaging.models import MessageStatus, OutboundMessage


class Sender(Protocol):
    """Delivers one message; returns the status it ends in, raises when delivery failed."""

    name: str

    def deliver(self, message: OutboundMessage) -> MessageStatus:
        """Hand the message to its channel."""
        ...
