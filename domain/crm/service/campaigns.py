"""Campaigns: drafts with a validated audience filter and template, launch, cancel, audience."""

import re
from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cognify.crud import apply_update, get_or_404, order_by, page
from cognify.errors import Conflict, ValidationFailed
from cognify.models import utcnow
from cognify.security import Actor
from domain.crm.models import (
    Campaign,
    CampaignCreate,
    CampaignStatus,
    CampaignTemplate,
    CampaignUpdate,
    Lead,
    Medium,
    TargetGroup,
)
from domain.crm.service._common import require

C = CampaignStatus
PLACEHOLDERS = frozenset({"name", "email", "phone", "source"})
EDITABLE = frozenset({C.draft, C.scheduled})
CAMPAIGN_SORTS = ("created_at", "updated_at", "name", "send_at", "status")
_PLACEHOLDER = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")


def _check_template(medium: Medium, template: CampaignTemplate) -> None:
    """422 for an email without subject or an unknown `{{placeholder}}`."""
    if medium == Medium.email and not template.subject:
        raise ValidationFailed("template.subject: an email campaign needs a subject",
                               details={"field": "template.subject"})
    for part in ("subject", "body"):
        for name in _PLACEHOLDER.findall(getattr(template, part) or ""):
            if name not in PLACEHOLDERS:
                raise ValidationFailed(
                    f"template.{part}: unknown placeholder '{{{{{name}}}}}'",
                    details={"field": f"template.{part}", "allowed": sorted(PLACEHOLDERS)},
                )


def render_template(template: dict[str, Any], lead: Lead) -> dict[str, str]:
    """The campaign's subject and body with the lead's placeholders filled in."""
    values = {"name": lead.name, "source": lead.source, "email": lead.contact.get("email", ""),
              "phone": lead.contact.get("phone", "")}
    return {part: _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template[part])
            for part in ("subject", "body") if template.get(part)}


def target_query(target: TargetGroup | dict[str, Any]) -> SelectOfScalar[Lead]:
    """The leads a target group selects; every criterion given must hold."""
    group = target if isinstance(target, TargetGroup) else TargetGroup.model_validate(target)
    query = select(Lead)
    if group.status:
        query = query.where(col(Lead.status).in_(group.status))
    if group.source:
        query = query.where(col(Lead.source).in_(group.source))
    if group.tags_any:
        query = query.where(col(Lead.tags).overlap(group.tags_any))
    if group.tags_all:
        query = query.where(col(Lead.tags).contains(group.tags_all))
    if group.assigned_to:
        query = query.where(col(Lead.assigned_to).in_(group.assigned_to))
    if group.created_after:
        query = query.where(Lead.created_at >= group.created_after)
    if group.created_before:
        query = query.where(Lead.created_at < group.created_before)
    return query


def create_campaign(session: Session, actor: Actor | None, data: CampaignCreate) -> Campaign:
    """A new draft campaign."""
    require(actor, "crm:manage")
    _check_template(data.medium, data.template)
    campaign = Campaign(
        name=data.name, medium=data.medium, send_at=data.send_at,
        target_group=data.target_group.model_dump(mode="json", exclude_none=True),
        template=data.template.model_dump(exclude_none=True),
        created_by=actor.user_id if actor else None,
    )
    session.add(campaign)
    session.flush()
    return campaign


def list_campaigns(
    session: Session, actor: Actor | None, *, status: CampaignStatus | None = None,
    medium: Medium | None = None, q: str | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Campaign], int]:
    """A page of campaigns, filtered by status, medium and name, with the count."""
    require(actor, "crm:read")
    query = select(Campaign)
    if status is not None:
        query = query.where(Campaign.status == status)
    if medium is not None:
        query = query.where(Campaign.medium == medium)
    if q:
        query = query.where(col(Campaign.name).icontains(q.strip(), autoescape=True))
    return page(session, order_by(query, Campaign, sort, CAMPAIGN_SORTS), limit, offset)


def get_campaign(session: Session, actor: Actor | None, campaign_id: UUID) -> Campaign:
    """One campaign; 404 when absent or another tenant's."""
    require(actor, "crm:read")
    return get_or_404(session, Campaign, campaign_id, "Campaign")


def update_campaign(
    session: Session, actor: Actor | None, campaign_id: UUID, data: CampaignUpdate
) -> Campaign:
    """Change a draft or scheduled campaign; a running or finished one is 409."""
    require(actor, "crm:manage")
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.status not in EDITABLE:
        raise Conflict(f"A {campaign.status} campaign cannot be edited", code="campaign_locked")
    changes = data.model_dump(exclude_unset=True, exclude={"target_group", "template"})
    for field in ("name", "medium"):
        if field in changes and changes[field] is None:
            changes.pop(field)
    template = data.template or CampaignTemplate.model_validate(campaign.template)
    _check_template(changes.get("medium", campaign.medium), template)
    if data.template is not None:
        changes["template"] = data.template.model_dump(exclude_none=True)
    if data.target_group is not None:
        changes["target_group"] = data.target_group.model_dump(mode="json", exclude_none=True)
    return apply_update(session, campaign, changes)


def launch_campaign(session: Session, actor: Actor | None, campaign_id: UUID) -> Campaign:
    """Launch a draft: `scheduled` when `send_at` is in the future, else `running`."""
    require(actor, "campaigns:launch")
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.status != C.draft:
        raise Conflict(f"Only a draft can be launched; this campaign is {campaign.status}",
                       code="invalid_status_transition",
                       details={"from": campaign.status, "to": C.scheduled})
    now = utcnow()
    future = campaign.send_at is not None and campaign.send_at > now
    return apply_update(session, campaign,
                        {"status": C.scheduled if future else C.running, "launched_at": now})


def finish_campaign(session: Session, campaign_id: UUID, status: CampaignStatus) -> Campaign:
    """Platform step for the sender: scheduled -> running -> done (or cancelled)."""
    campaign = get_or_404(session, Campaign, campaign_id, "Campaign")
    allowed = {C.scheduled: {C.running, C.cancelled}, C.running: {C.done, C.cancelled}}
    if status not in allowed.get(campaign.status, set()):
        raise Conflict(f"Campaign status cannot change from '{campaign.status}' to '{status}'",
                       code="invalid_status_transition", details={"from": campaign.status, "to": status})
    return apply_update(session, campaign, {"status": status})


def cancel_campaign(session: Session, actor: Actor | None, campaign_id: UUID) -> Campaign:
    """Cancel a campaign that has not finished."""
    require(actor, "campaigns:launch")
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.status in (C.done, C.cancelled):
        raise Conflict(f"Campaign status cannot change from '{campaign.status}' to 'cancelled'",
                       code="invalid_status_transition",
                       details={"from": campaign.status, "to": C.cancelled})
    return apply_update(session, campaign, {"status": C.cancelled})


def delete_campaign(session: Session, actor: Actor | None, campaign_id: UUID) -> None:
    """Remove a campaign that is not running."""
    require(actor, "crm:manage")
    campaign = get_campaign(session, actor, campaign_id)
    if campaign.status == C.running:
        raise Conflict("A running campaign cannot be deleted; cancel it first", code="campaign_locked")
    session.delete(campaign)
    session.flush()


def match_campaign_leads(
    session: Session, actor: Actor | None, campaign_id: UUID, *, limit: int = 50, offset: int = 0,
) -> tuple[list[Lead], int]:
    """A page of the leads a campaign's target group selects, with the total."""
    require(actor, "crm:read")
    campaign = get_campaign(session, actor, campaign_id)
    query = order_by(target_query(campaign.target_group), Lead, None, ("created_at",))
    return page(session, query, limit, offset)

