"""Flow 1, lead capture -> CRM pipeline.

`capture_lead` runs in the webhook's transaction: it creates the lead (or finds it by contact)
and emits `crm.lead_captured` with it. The `crm.route_lead` handler then assigns the lead
round-robin among the tenant's sales staff, opens a follow-up task due the next working day,
and sends it every running campaign whose target group selects it.
"""

from datetime import date, timedelta
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cognify.events import Event, emit, handlers
from cognify.models import utcnow
from cognify.redis import get_redis
from cognify.security import Role, permissions_for
from domain.analytics.service import record_funnel_step
from domain.crm import service as crm
from domain.crm.models import Channel, Direction, Lead, LeadContact, LeadCreate, MessageCreate, TaskCreate
from domain.identity.models import User
from domain.messaging.campaigns import matching_running_campaigns, send_to_lead
from domain.tenancy.models import Tenant
from domain.webhooks.models import LeadForm

LEAD_CAPTURED = "crm.lead_captured"


def capture_lead(session: Session, form: LeadForm) -> tuple[Lead, bool]:
    """The lead for a captured contact, created if new; its inbound message is logged; (lead, created)."""
    contact = LeadContact(email=form.email, phone=form.phone, whatsapp=form.whatsapp)
    key = crm.contact_key(contact)
    lead = session.exec(select(Lead).where(Lead.contact_key == key)).first() if key else None
    created = lead is None
    if lead is None:
        data = LeadCreate(name=form.name, source=form.source, contact=contact, tags=form.tags,
                          marketing_consent=form.marketing_consent or None)
        try:
            with session.begin_nested():
                lead = crm.create_lead(session, None, data)
        except IntegrityError:  # the same contact captured concurrently
            lead = session.exec(select(Lead).where(Lead.contact_key == key)).one()
            created = False
    if form.message:
        channel = Channel.whatsapp if form.source == "whatsapp" else Channel.note
        crm.add_message(session, None, lead.id, MessageCreate(
            channel=channel, direction=Direction.inbound, body=form.message))
    if created:
        emit(session, LEAD_CAPTURED, {"lead_id": lead.id})
    return lead, created


def next_working_day(today: date) -> date:
    """The next Monday-to-Friday day after `today`."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def sales_staff(session: Session) -> list[UUID]:
    """Active users whose role (with the tenant's overrides) grants `sales`, oldest first."""
    tenant = session.get(Tenant, session.info["tenant_id"])
    overrides = tenant.customizations.get("role_permissions") if tenant else None
    roles = [r for r in Role if "sales" in permissions_for(r, overrides)]
    return list(session.exec(select(User.id).where(col(User.role).in_(roles), col(User.is_active))
                             .order_by(col(User.created_at), col(User.id))).all())


def next_assignee(session: Session) -> UUID | None:
    """Round-robin over the sales staff with a per-tenant Redis counter."""
    staff = sales_staff(session)
    if not staff:
        return None
    turn = int(get_redis().incr(f"crm:round_robin:{session.info['tenant_id']}")) - 1
    return staff[turn % len(staff)]


@handlers.on(LEAD_CAPTURED, name="crm.route_lead")
def route_lead(session: Session, event: Event) -> None:
    """Assign, open the follow-up task, record the funnel step and send matching running campaigns."""
    lead = session.get(Lead, UUID(event.payload["lead_id"]))
    if lead is None:
        return
    if lead.assigned_to is None:
        lead.assigned_to = next_assignee(session)
        session.add(lead)
        session.flush()
    crm.create_task(session, None, TaskCreate(
        title=f"Follow up with {lead.name}", description=f"New {lead.source} lead.",
        due_date=next_working_day(utcnow().date()), assigned_to=lead.assigned_to, linked_lead_id=lead.id))
    record_funnel_step(session, None, lead_id=lead.id, step="captured")
    for campaign in matching_running_campaigns(session, lead.id):
        send_to_lead(session, campaign, lead)
