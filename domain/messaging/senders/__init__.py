"""Channel senders: one small class per backend, chosen by settings."""

from cognify.settings import Settings
from domain.messaging.senders.base import Sender
from domain.messaging.senders.local import LocalOutboxSender
from domain.messaging.senders.smtp import SmtpSender


def sender_for(channel: str, settings: Settings) -> Sender:
    """The sender of a channel: SMTP for email when configured, else the local outbox."""
    if channel == "email" and settings.smtp_host:
        return SmtpSender(settings)
    return LocalOutboxSender()


__all__ = ["LocalOutboxSender", "Sender", "SmtpSender", "sender_for"]
