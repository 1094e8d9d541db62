"""Campaign sends: a campaign's template to each matching lead, once per lead, on its medium."""

from uuid import UUID, uuid4

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from cognify.models import utcnow
from domain.crm import service as crm
from domain.crm.models import Campaign, CampaignStatus, Channel, Direction, Lead, MessageCreate
from domain.messaging.models import CampaignSend
from domain.messaging.service import queue_message
from domain.privacy.consent import MARKETING_OPT_IN, lead_may_be_marketed
from domain.privacy.links import unsubscribe_url

SEND_BATCH = 500


def recipient_of(lead: Lead, medium: str) -> str | None:
    """The lead's address on a medium: email, or the phone (WhatsApp falls back to the phone)."""
    contact = lead.contact
    if medium == "email":
        return contact.get("email")
    if medium == "whatsapp":
        return contact.get("whatsapp") or contact.get("phone")
    return contact.get("phone")


def send_to_lead(session: Session, campaign: Campaign, lead: Lead) -> bool:
    """Send the campaign to one lead that opted in to marketing, unless it already was; True when sent.

    An email carries RFC 8058 one-click unsubscribe headers; the link records the lead's withdrawal."""
    if not lead_may_be_marketed(session, lead.id):
        return False
    send_id = uuid4()
    claimed = session.execute(pg_insert(CampaignSend).values(
        id=send_id, campaign_id=campaign.id, lead_id=lead.id,
    ).on_conflict_do_nothing(constraint="uq_campaign_sends_campaign_lead").returning(CampaignSend.id)).first()
    if claimed is None:
        return False
    recipient = recipient_of(lead, campaign.medium)
    if recipient is None:
        return False
    rendered = crm.render_template(campaign.template, lead)
    headers, body = {}, rendered["body"]
    if campaign.medium == "email":
        link = unsubscribe_url(session.info["tenant_id"], lead.id)
        headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        body += f"\n\n--\nTo stop these emails: {link}"
    message = queue_message(session, channel=campaign.medium, recipient=recipient, headers=headers,
                            subject=rendered.get("subject"), body=body, lead_id=lead.id)
    session.execute(CampaignSend.__table__.update()  # type: ignore[attr-defined]
                    .where(CampaignSend.__table__.c.id == send_id).values(message_id=message.id))
    crm.add_message(session, None, lead.id, MessageCreate(
        channel=Channel(campaign.medium), direction=Direction.outbound, body=rendered["body"]))
    return True


def matching_running_campaigns(session: Session, lead_id: UUID) -> list[Campaign]:
    """Running campaigns whose target group selects the lead."""
    campaigns = session.exec(select(Campaign).where(Campaign.status == CampaignStatus.running)).all()
    return [c for c in campaigns
            if session.exec(crm.target_query(c.target_group).where(Lead.id == lead_id)).first()]


def send_campaign(session: Session, campaign_id: UUID) -> int:
    """Start a due scheduled campaign and send it to every matching lead not yet reached."""
    campaign = session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None:
        return 0
    due = campaign.send_at is None or campaign.send_at <= utcnow()
    if campaign.status == CampaignStatus.scheduled and due:
        campaign = crm.finish_campaign(session, campaign.id, CampaignStatus.running)
    if campaign.status != CampaignStatus.running:
        return 0
    reached = select(CampaignSend.lead_id).where(CampaignSend.campaign_id == campaign.id)
    leads = session.exec(crm.target_query(campaign.target_group).where(MARKETING_OPT_IN)
                         .where(col(Lead.id).not_in(reached)).limit(SEND_BATCH)).all()
    return sum(send_to_lead(session, campaign, lead) for lead in leads)
