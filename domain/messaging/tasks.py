"""Messaging background work: delivering queued messages and sending due campaigns."""

from uuid import UUID

from sqlalchemy import text

from cognify.db import owner_session, tenant_session
from cognify.regions import databases
from cognify.worker import app
from domain.messaging import service  # noqa: F401 - registers the delivery handler
from domain.messaging.campaigns import send_campaign as send_campaign_batch


@app.task(name="messaging.send_campaign", acks_late=True, ignore_result=True)
def send_campaign(tenant_id: str, campaign_id: str) -> int:
    """Send a campaign to its leads not yet reached."""
    with tenant_session(UUID(tenant_id)) as session:
        return send_campaign_batch(session, UUID(campaign_id))


@app.task(name="messaging.dispatch_due_campaigns", acks_late=True, ignore_result=True)
def dispatch_due_campaigns() -> int:
    """Across tenants: enqueue a send for each due scheduled or running campaign."""
    rows = []
    for region in databases():
        with owner_session(region) as session:
            rows += session.execute(text(
                "SELECT tenant_id, id FROM campaigns WHERE status = 'running' "
                "OR (status = 'scheduled' AND (send_at IS NULL OR send_at <= now()))"
            )).all()
    for tenant_id, campaign_id in rows:
        send_campaign.delay(str(tenant_id), str(campaign_id))
    return len(rows)
