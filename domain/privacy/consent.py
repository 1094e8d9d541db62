"""Consent: append-only records per user and purpose, and the rule features ask before they act.

A record says who agreed (or withdrew) to what purpose, which version of the text, when, how, and who
recorded it. Withdrawal is a new record, never an update: the latest record per purpose is the state.
A student under the tenant's guardian age needs, besides their own consent, a current `guardian_consent`
given by their guardian.
"""

import enum
from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import text
from sqlmodel import Field, Session, col, select

from cognify.errors import Conflict, Forbidden, NotFound
from cognify.models import TenantScoped
from cognify.security import Actor
from domain.identity.models import User
from domain.privacy.models import PrivacySettings
from domain.privacy.subjects import is_guardian, may_act_for
from domain.sis.models import Student
from domain.tenancy.models import Tenant

US_GUARDIAN_AGE, DPDP_GUARDIAN_AGE = 13, 18


class Purpose(enum.StrEnum):
    """What a user may agree to."""

    ai_tutor = "ai_tutor"
    proctoring_recording = "proctoring_recording"
    marketing_email = "marketing_email"
    guardian_consent = "guardian_consent"  # a guardian's agreement for a minor
    biometric_identity = "biometric_identity"  # an enrolment photo compared with exam webcam frames


class Consent(TenantScoped, table=True):
    """One consent or withdrawal (append-only: the app role cannot change or delete it)."""

    __tablename__ = "consents"
    user_id: UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE", index=True)
    lead_id: UUID | None = Field(default=None, foreign_key="leads.id", ondelete="CASCADE", index=True)
    purpose: Purpose = Field(max_length=40)
    granted: bool
    text_version: str = Field(max_length=40)
    method: str = Field(max_length=20)
    recorded_by: UUID | None = None


class ConsentCreate(BaseModel):
    """Agree to (or withdraw from) a purpose; `user_id` defaults to the caller."""

    model_config = ConfigDict(extra="forbid")
    purpose: Purpose
    granted: bool
    text_version: str = PydanticField(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    user_id: UUID | None = None


class ConsentPublic(BaseModel):
    """A consent record as the API shows it."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    user_id: UUID | None
    lead_id: UUID | None
    purpose: Purpose
    granted: bool
    text_version: str
    method: str
    recorded_by: UUID | None
    created_at: datetime


class ConsentState(BaseModel):
    """A user's current consents and the full history behind them."""

    user_id: UUID
    minor: bool
    guardian_age: int
    current: dict[Purpose, ConsentPublic]
    history: list[ConsentPublic]


def guardian_age(tenant: Tenant | None) -> int:
    """The age under which a guardian must consent: the tenant's setting, else 18 in India (DPDP), else 13."""
    block = ((tenant.customizations if tenant else None) or {}).get("privacy") or {}
    explicit = PrivacySettings.model_validate(block).guardian_consent_age
    if explicit is not None:
        return explicit
    region = (tenant.region if tenant else None) or ""
    return DPDP_GUARDIAN_AGE if region.split("-")[0] == "in" else US_GUARDIAN_AGE


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def is_minor(session: Session, tenant_id: UUID, user_id: UUID, today: date | None = None) -> bool:
    """Whether the user is a student under the tenant's guardian age (by the date of birth on record)."""
    student = session.exec(select(Student).where(Student.user_id == user_id)).first()
    born = (student.personal_info or {}).get("date_of_birth") if student else None
    if not born:
        return False
    limit = guardian_age(session.get(Tenant, tenant_id))
    return _age(date.fromisoformat(str(born)), today or date.today()) < limit


def _latest(session: Session, user_id: UUID) -> dict[Purpose, Consent]:
    rows = session.exec(select(Consent).where(Consent.user_id == user_id)
                        .order_by(col(Consent.created_at), col(Consent.id))).all()
    return {Purpose(row.purpose): row for row in rows}


def has_consent(session: Session, tenant_id: UUID, user_id: UUID, purpose: Purpose) -> bool:
    """Whether the user's latest record for the purpose grants it (and, for a minor, the guardian's too)."""
    latest = _latest(session, user_id)
    if not (purpose in latest and latest[purpose].granted):
        return False
    if purpose != Purpose.guardian_consent and is_minor(session, tenant_id, user_id):
        guardian = latest.get(Purpose.guardian_consent)
        return guardian is not None and guardian.granted
    return True


def require_consent(session: Session, tenant_id: UUID, user_id: UUID, purpose: Purpose) -> None:
    """Refuse (409 `consent_required`) unless the user has consented to the purpose."""
    if not has_consent(session, tenant_id, user_id, purpose):
        minor = is_minor(session, tenant_id, user_id)
        raise Conflict(f"Consent to '{purpose}' is needed first"
                       + (" (and, for a minor, their guardian's consent)" if minor else ""),
                       code="consent_required", details={"purpose": purpose.value, "minor": minor})


def record_consent(session: Session, actor: Actor, body: ConsentCreate, method: str = "api") -> Consent:
    """Append a consent or withdrawal: the user for themselves, a parent for their child, an admin on record.

    `guardian_consent` is the guardian's to give (or an admin's, recording one given on paper)."""
    user_id = body.user_id or actor.user_id
    if session.get(User, user_id) is None:
        raise NotFound("No such user")
    guardian, admin = is_guardian(session, actor, user_id), actor.can("privacy:manage")
    if body.purpose == Purpose.guardian_consent:
        allowed = guardian or admin
    else:
        allowed = user_id == actor.user_id or guardian or admin
    if not allowed:
        raise Forbidden("You may record consent only for yourself, or as a guardian for your child",
                        code="not_your_consent")
    if guardian:
        method = "guardian"
    elif admin and user_id != actor.user_id:
        method = "admin"
    row = Consent(tenant_id=actor.tenant_id, user_id=user_id, purpose=body.purpose, granted=body.granted,
                  text_version=body.text_version, recorded_by=actor.user_id, method=method)
    session.add(row)
    session.flush()
    return row


MARKETING_OPT_IN = text(
    "(SELECT c.granted FROM consents c WHERE c.lead_id = leads.id AND c.purpose = 'marketing_email' "
    "ORDER BY c.created_at DESC, c.id DESC LIMIT 1) IS TRUE")


def lead_may_be_marketed(session: Session, lead_id: UUID) -> bool:
    """Whether the lead's latest marketing consent grants it (no record: no)."""
    latest = session.exec(select(Consent.granted).where(
        Consent.lead_id == lead_id, Consent.purpose == Purpose.marketing_email)
        .order_by(col(Consent.created_at).desc(), col(Consent.id).desc())).first()
    return bool(latest)


def record_lead_consent(session: Session, tenant_id: UUID, lead_id: UUID, granted: bool, method: str,
                        text_version: str, recorded_by: UUID | None = None) -> Consent | None:
    """Append a lead's marketing consent or withdrawal; None when it would not change the state."""
    if lead_may_be_marketed(session, lead_id) == granted:
        return None
    row = Consent(tenant_id=tenant_id, lead_id=lead_id, purpose=Purpose.marketing_email, granted=granted,
                  method=method, text_version=text_version, recorded_by=recorded_by)
    session.add(row)
    session.flush()
    return row


def consent_state(session: Session, actor: Actor, user_id: UUID) -> ConsentState:
    """A user's consents, for themselves, their guardian or an admin; 404 for anyone else."""
    if session.get(User, user_id) is None or not may_act_for(session, actor, user_id):
        raise NotFound("No such user")
    history = session.exec(select(Consent).where(Consent.user_id == user_id)
                           .order_by(col(Consent.created_at), col(Consent.id))).all()
    return ConsentState(
        user_id=user_id, minor=is_minor(session, actor.tenant_id, user_id),
        guardian_age=guardian_age(session.get(Tenant, actor.tenant_id)),
        current={purpose: ConsentPublic.model_validate(row)
                 for purpose, row in _latest(session, user_id).items()},
        history=[ConsentPublic.model_validate(row) for row in history],
    )
