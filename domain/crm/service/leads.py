"""Leads: capture with contact de-duplication, pipeline status rules, search and reopening."""

import re
from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cognify.crud import apply_update, get_or_404, order_by, page
from cognify.errors import Conflict, Forbidden
from cognify.models import utcnow
from cognify.security import Actor, Role
from domain.crm.models import Lead, LeadContact, LeadCreate, LeadStatus, LeadUpdate
from domain.crm.service._common import check_user, like_pattern, require
from domain.privacy.consent import record_lead_consent

S = LeadStatus
TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    S.new: frozenset({S.contacted, S.qualified, S.lost}),
    S.contacted: frozenset({S.qualified, S.won, S.lost}),
    S.qualified: frozenset({S.won, S.lost}),
    S.won: frozenset(),
    S.lost: frozenset(),
}
LEAD_SORTS = ("created_at", "updated_at", "name", "status", "source", "last_contacted_at")


def contact_key(contact: LeadContact) -> str | None:
    """The normalised identity of a contact: lower-case email, else the phone's digits."""
    if contact.email:
        return f"email:{contact.email.strip().lower()}"
    for number in (contact.phone, contact.whatsapp):
        if number:
            return f"tel:{_phone(number)}"
    return None


def _phone(number: str) -> str:
    """E.164-ish: a leading + (or 00) kept as +, every other non-digit dropped."""
    digits = re.sub(r"\D", "", number)
    international = number.strip().startswith("+") or digits.startswith("00")
    return "+" + digits.removeprefix("00") if international else digits


def _contact_json(contact: LeadContact) -> dict[str, Any]:
    """The stored contact: set fields only, email lower-cased, phones normalised."""
    data = contact.model_dump(exclude_none=True)
    if "email" in data:
        data["email"] = data["email"].lower()
    for name in ("phone", "whatsapp"):
        if name in data:
            data[name] = _phone(data[name])
    return data


def _refuse_duplicate(session: Session, key: str | None, exclude: UUID | None = None) -> None:
    if key is None:
        return
    query = select(Lead.id).where(Lead.contact_key == key)
    if exclude is not None:
        query = query.where(Lead.id != exclude)
    existing = session.exec(query).first()
    if existing is not None:
        raise Conflict(
            f"A lead with contact '{key.split(':', 1)[1]}' already exists",
            code="duplicate_lead", details={"field": "contact", "existing_id": str(existing)},
        )


LEAD_OPT_IN_VERSION = "lead-opt-in-1"


def create_lead(session: Session, actor: Actor | None, data: LeadCreate) -> Lead:
    """A new lead; 409 `duplicate_lead` (with the existing id) when its contact is known."""
    require(actor, "crm:manage")
    check_user(session, "assigned_to", data.assigned_to)
    key = contact_key(data.contact)
    _refuse_duplicate(session, key)
    lead = Lead(
        **data.model_dump(exclude={"contact", "marketing_consent"}), contact=_contact_json(data.contact),
        contact_key=key,
    )
    session.add(lead)
    session.flush()
    if data.marketing_consent:
        record_lead_consent(session, session.info["tenant_id"], lead.id, True,
                            method="staff" if actor else "form", text_version=LEAD_OPT_IN_VERSION,
                            recorded_by=actor.user_id if actor else None)
    return lead


def leads_query(
    *, status: list[LeadStatus] | None = None, source: str | None = None,
    assigned_to: UUID | None = None, tag: str | None = None, q: str | None = None,
    contacted: bool | None = None,
) -> SelectOfScalar[Lead]:
    """The lead query for a set of filters (None means any)."""
    query = select(Lead)
    if status:
        query = query.where(col(Lead.status).in_(status))
    if source is not None:
        query = query.where(Lead.source == source.strip().lower())
    if assigned_to is not None:
        query = query.where(Lead.assigned_to == assigned_to)
    if tag is not None:
        query = query.where(col(Lead.tags).contains([tag.strip().lower()]))
    if q:
        query = query.where(col(Lead.search_text).like(like_pattern(q)))
    if contacted is not None:
        column = col(Lead.last_contacted_at)
        query = query.where(column.is_not(None) if contacted else column.is_(None))
    return query


def list_leads(
    session: Session, actor: Actor | None, *, status: list[LeadStatus] | None = None,
    source: str | None = None, assigned_to: UUID | None = None, tag: str | None = None,
    q: str | None = None, contacted: bool | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Lead], int]:
    """A page of leads matching the filters (q searches name, email and phones), with the count."""
    require(actor, "crm:read")
    query = leads_query(
        status=status, source=source, assigned_to=assigned_to, tag=tag, q=q, contacted=contacted
    )
    return page(session, order_by(query, Lead, sort, LEAD_SORTS), limit, offset)


def get_lead(session: Session, actor: Actor | None, lead_id: UUID) -> Lead:
    """One lead; 404 when absent or another tenant's."""
    require(actor, "crm:read")
    return get_or_404(session, Lead, lead_id, "Lead")


def check_transition(current: LeadStatus, target: LeadStatus) -> None:
    """409 naming from and to unless the pipeline allows the move."""
    if target == current or target in TRANSITIONS[current]:
        return
    hint = " (reopen it first)" if current in (S.lost, S.won) else ""
    raise Conflict(
        f"Lead status cannot change from '{current}' to '{target}'{hint}",
        code="invalid_status_transition",
        details={"from": current, "to": target, "allowed": sorted(TRANSITIONS[current])},
    )


def update_lead(session: Session, actor: Actor | None, lead_id: UUID, data: LeadUpdate) -> Lead:
    """Change a lead; status moves are checked, a new contact is re-checked for duplicates."""
    require(actor, "crm:manage")
    lead = get_lead(session, actor, lead_id)
    changes = data.model_dump(exclude_unset=True, exclude={"contact"})
    if changes.get("status") is not None:
        check_transition(lead.status, changes["status"])
    if "assigned_to" in changes:
        check_user(session, "assigned_to", changes["assigned_to"])
    for field in ("name", "source", "status", "notes", "tags"):
        if field in changes and changes[field] is None:
            changes.pop(field)
    if data.contact is not None:
        key = contact_key(data.contact)
        _refuse_duplicate(session, key, exclude=lead.id)
        changes |= {"contact": _contact_json(data.contact), "contact_key": key}
    return apply_update(session, lead, changes)


def reopen_lead(session: Session, actor: Actor | None, lead_id: UUID) -> Lead:
    """Put a lost lead (or, for an admin, a won one) back to `new`."""
    require(actor, "crm:manage")
    lead = get_lead(session, actor, lead_id)
    if lead.status not in (S.lost, S.won):
        raise Conflict(
            f"Only a lost or won lead can be reopened; this one is '{lead.status}'",
            code="invalid_status_transition", details={"from": lead.status, "to": S.new},
        )
    if lead.status == S.won and actor is not None and actor.role not in (Role.admin, Role.owner):
        raise Forbidden("Only an admin can reopen a won lead")
    return apply_update(session, lead, {"status": S.new})


def mark_contacted(session: Session, lead: Lead) -> Lead:
    """Stamp an outbound contact; a `new` lead becomes `contacted`."""
    changes: dict[str, Any] = {"last_contacted_at": utcnow()}
    if lead.status == S.new:
        changes["status"] = S.contacted
    return apply_update(session, lead, changes)


def delete_lead(session: Session, actor: Actor | None, lead_id: UUID) -> None:
    """Remove a lead with its conversation and tasks."""
    require(actor, "crm:manage")
    session.delete(get_lead(session, actor, lead_id))
    session.flush()
