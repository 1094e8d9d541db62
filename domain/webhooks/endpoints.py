"""Signed inbound webhooks (no bearer token) and the admin's webhook secret."""

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from cognify import throttle
from cognify.api import SessionDep
from cognify.db import tenant_session
from cognify.errors import Unauthorized, ValidationFailed
from cognify.logging import get_logger
from cognify.security import Actor
from cognify.settings import get_settings
from cognify.throttle import Window
from domain.crm.flows import capture_lead
from domain.identity.deps import require
from domain.sis.flows import receive_payment
from domain.tenancy.flows import resolve_tenant
from domain.webhooks import service
from domain.webhooks.models import PaymentNotice, WebhookAccepted, WebhookSecretPublic
from domain.webhooks.signing import HEADER, SignatureError, verify

log = get_logger("webhooks")
router = APIRouter(tags=["webhooks"])
Admin = Annotated[Actor, Depends(require("tenant:manage"))]


async def raw_body(request: Request) -> bytes:
    """The exact bytes the sender signed."""
    return await request.body()


def _authenticate(request: Request, slug: str, kind: str, body: bytes) -> UUID:
    """The tenant whose secret signed this delivery; 401 (and only a log line) otherwise.

    Bad signatures are throttled per client address (429 with `Retry-After` over the limit), never
    per tenant, so nobody can lock a tenant's real sender out by sending bad ones in its name.
    """
    settings = get_settings()
    address = throttle.client_address(request)
    window = Window(throttle.address_key("webhook", address), settings.webhook_failures_per_address,
                    settings.throttle_window_s)
    with throttle.guarded([window]) as attempt:
        tenant_id = resolve_tenant(slug)
        secret = service.webhook_secret(tenant_id) if tenant_id else None
        try:
            if secret is None or tenant_id is None:
                raise SignatureError("unknown tenant or no webhook secret")
            verify(secret, body, request.headers.get(HEADER), settings.webhook_tolerance_s,
                   f"{tenant_id}:{kind}")
        except SignatureError as exc:
            log.warning("webhook_refused", kind=kind, tenant_slug=slug, reason=str(exc))
            raise Unauthorized("Invalid webhook signature", code="invalid_signature") from exc
        attempt.succeeded()
    return tenant_id


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("body: not valid JSON") from exc


@router.post("/api/v1/webhooks/leads/{tenant_slug}", response_model=WebhookAccepted, status_code=202)
def lead_webhook(
    tenant_slug: str, request: Request, body: Annotated[bytes, Depends(raw_body)],
) -> WebhookAccepted:
    """A lead from a web form or WhatsApp: created (or matched by contact), then routed in the background."""
    tenant_id = _authenticate(request, tenant_slug, "leads", body)
    form = service.lead_form(_json(body))
    with tenant_session(tenant_id) as session:
        lead, created = capture_lead(session, form)
    return WebhookAccepted(id=lead.id, created=created)


@router.post("/api/v1/webhooks/payments/{tenant_slug}", response_model=WebhookAccepted, status_code=202)
def payment_webhook(
    tenant_slug: str, request: Request, body: Annotated[bytes, Depends(raw_body)],
) -> WebhookAccepted:
    """A payment notice: recorded once per gateway reference; a paid invoice enrols its student."""
    tenant_id = _authenticate(request, tenant_slug, "payments", body)
    try:
        notice = PaymentNotice.model_validate(_json(body))
    except ValueError as exc:
        raise ValidationFailed(f"body: {str(exc).splitlines()[0]}") from exc
    with tenant_session(tenant_id) as session:
        payment, created, paid = receive_payment(session, notice)
    return WebhookAccepted(id=payment.id, created=created, detail={"invoice_paid": paid})


@router.get("/api/v1/admin/webhook-secret", response_model=WebhookSecretPublic, tags=["admin"])
def read_webhook_secret(session: SessionDep, actor: Admin) -> Any:
    """The tenant's webhook secret (issued on first read)."""
    return service.get_or_issue_secret(session, actor.tenant_id)


@router.post("/api/v1/admin/webhook-secret/rotate", response_model=WebhookSecretPublic, tags=["admin"])
def rotate_webhook_secret(session: SessionDep, actor: Admin) -> Any:
    """Issue a new webhook secret; the old one stops working at once."""
    return service.rotate_secret(session, actor.tenant_id)
