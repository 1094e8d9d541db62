"""Signed, expiring download links for export archives (HMAC-SHA256 over tenant, request and expiry)."""

import hashlib
import hmac
import time
from datetime import datetime
from urllib.parse import urlencode
from uuid import UUID

from cognify.errors import Forbidden, Gone
from cognify.settings import get_settings, public_url


def _signature(tenant_id: UUID, request_id: UUID, expires: int) -> str:
    key = hashlib.sha256(b"privacy-export:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, f"{tenant_id}.{request_id}.{expires}".encode(), hashlib.sha256).hexdigest()


def download_url(tenant_id: UUID, request_id: UUID, expires_at: datetime) -> str:
    """The archive's link, valid until `expires_at`."""
    expires = int(expires_at.timestamp())
    query = urlencode({"tenant": str(tenant_id), "expires": expires,
                       "signature": _signature(tenant_id, request_id, expires)})
    return f"/api/v1/privacy/exports/{request_id}?{query}"


def verify(tenant_id: UUID, request_id: UUID, expires: int, signature: str) -> None:
    """Refuse a tampered link with 403 and an expired one with 410."""
    if not hmac.compare_digest(_signature(tenant_id, request_id, expires), signature):
        raise Forbidden("The download link is not valid", code="bad_signature")
    if expires < time.time():
        raise Gone("The download link has expired; ask for a new export", code="export_expired")


def _unsubscribe_signature(tenant_id: UUID, lead_id: UUID) -> str:
    key = hashlib.sha256(b"unsubscribe:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, f"{tenant_id}.{lead_id}".encode(), hashlib.sha256).hexdigest()


def unsubscribe_url(tenant_id: UUID, lead_id: UUID) -> str:
    """A lead's one-click unsubscribe link (RFC 8058): it never expires, and it names no one."""
    query = urlencode({"tenant": str(tenant_id), "lead": str(lead_id),
                       "signature": _unsubscribe_signature(tenant_id, lead_id)})
    return f"{public_url()}/api/v1/privacy/unsubscribe?{query}"


def verify_unsubscribe(tenant_id: UUID, lead_id: UUID, signature: str) -> None:
    """Refuse a tampered unsubscribe link with 403."""
    if not hmac.compare_digest(_unsubscribe_signature(tenant_id, lead_id), signature):
        raise Forbidden("The unsubscribe link is not valid", code="bad_signature")
