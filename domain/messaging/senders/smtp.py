"""Email over SMTP with aiosmtplib, configured by COGNIFY_SMTP_*."""

import asyncio
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from cognify.settings import Settings
from domain.messaging.models import MessageStatus, OutboundMessage

_POLICY = policy.SMTP.clone(max_line_length=998)


class SmtpSender:
    """Sends each email in its own SMTP session."""

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def deliver(self, message: OutboundMessage) -> MessageStatus:
        """Send the email; raises on any SMTP error so the event is retried."""
        # Lines up to RFC 5322's 998: a List-Unsubscribe URL must not be folded into encoded words.
        email = EmailMessage(policy=_POLICY)
        email["From"] = self.settings.smtp_from
        email["To"] = message.recipient
        email["Subject"] = message.subject or ""
        email["Message-ID"] = f"<{message.id}@cognify>"
        for name, value in (message.headers or {}).items():
            email[name] = value
        email.set_content(message.body)
        s = self.settings
        # Sent as bytes: aiosmtplib would flatten a message object with its own policy, folding again.
        asyncio.run(aiosmtplib.send(
            email.as_bytes(), sender=parseaddr(s.smtp_from)[1], recipients=[message.recipient],
            hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username, password=s.smtp_password,
            start_tls=s.smtp_starttls, use_tls=s.smtp_tls, timeout=30,
        ))
        return MessageStatus.sent
