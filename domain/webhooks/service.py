"""Webhook secrets and payload normalisation."""

import secrets
from typing import Any
from uuid import UUID

from pydantic import ValidationError as PydanticValidationError
from sqlmodel import Session

from cognify.db import tenant_session
from cognify.errors import ValidationFailed
from cognify.models import utcnow
from domain.webhooks.models import LeadForm, TenantSecret


def webhook_secret(tenant_id: UUID) -> str | None:
    """The tenant's current webhook secret, if one was ever issued."""
    with tenant_session(tenant_id) as session:
        row = session.get(TenantSecret, tenant_id)
        return row.webhook_secret if row else None


def get_or_issue_secret(session: Session, tenant_id: UUID) -> TenantSecret:
    """The tenant's secret, issued on first read."""
    row = session.get(TenantSecret, tenant_id)
    if row is None:
        row = TenantSecret(tenant_id=tenant_id, webhook_secret=f"whsec_{secrets.token_urlsafe(32)}")
        session.add(row)
        session.flush()
    return row


def rotate_secret(session: Session, tenant_id: UUID) -> TenantSecret:
    """Replace the tenant's secret; deliveries signed with the old one are refused from now on."""
    row = get_or_issue_secret(session, tenant_id)
    row.webhook_secret = f"whsec_{secrets.token_urlsafe(32)}"
    row.rotated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def _whatsapp(data: dict[str, Any]) -> dict[str, Any]:
    """The first contact and message of a WhatsApp Cloud API style notification."""
    value = data["entry"][0]["changes"][0]["value"]
    contact = (value.get("contacts") or [{}])[0]
    message = (value.get("messages") or [{}])[0]
    number = contact.get("wa_id") or message.get("from")
    return {"name": contact.get("profile", {}).get("name") or number, "whatsapp": f"+{number}",
            "source": "whatsapp", "message": (message.get("text") or {}).get("body")}


def lead_form(data: Any) -> LeadForm:
    """A web-form or WhatsApp payload as a lead form; 422 naming what is wrong."""
    try:
        fields = _whatsapp(data) if isinstance(data, dict) and "entry" in data else data
        return LeadForm.model_validate(fields)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ValidationFailed("body: not a web-form or WhatsApp lead payload") from exc
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(map(str, first["loc"])) or "body"
        raise ValidationFailed(f"{field}: {first['msg']}", details={"field": field}) from exc
