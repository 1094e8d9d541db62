"""Signed, expiring download links for export archives (HMAC-SHA256 over tenant, request and expiry)."""

import hashlib
import hmac
import time
from datetime import datetime
from urllib.parse import urlencode
from uuid import UUID

from cognify.errors import Forbidden, Gone
from cognify.settings import get_settings


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
