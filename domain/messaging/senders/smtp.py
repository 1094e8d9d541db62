"""Email over SMTP with aiosmtplib, configured by COGNIFY_SMTP_*."""

import asyncio
from email.message import EmailMessage

import aiosmtplib

from cognify.settings import Settings
from domain.messaging.models import MessageStatus, OutboundMessage


class SmtpSender:
    """Sends each email in its own SMTP session."""

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def deliver(self, message: OutboundMessage) -> MessageStatus:
        """Send the email; raises on any SMTP error so the event is retried."""
        email = EmailMessage()
        email["From"] = self.settings.smtp_from
        email["To"] = message.recipient
        email["Subject"] = message.subject or ""
        email["Message-ID"] = f"<{message.id}@cognify>"
        email.set_content(message.body)
        s = self.settings
        asyncio.run(aiosmtplib.send(
            email, hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
            password=s.smtp_password, start_tls=s.smtp_starttls, use_tls=s.smtp_tls, timeout=30,
        ))
        return MessageStatus.sent
