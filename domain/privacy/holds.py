"""Legal holds: a user or one record kept out of retention purges and erasure until the hold is released.

A hold names a user (everything that is theirs) or one record (a proctoring session, an agent thread,
a lead). Releasing a hold keeps the row, with who released it and when, as the history of the hold.
"""

import enum
from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import text
from sqlmodel import Field, Session, col, select

from cognify.errors import Conflict, NotFound
from cognify.models import TenantScoped, utcnow
from cognify.security import Actor
from domain.crm.models import Lead
from domain.identity.models import User


class HoldRecord(enum.StrEnum):
    """Records a hold can name, besides a user."""

    proctoring_session = "proctoring_session"
    agent_thread = "agent_thread"
    lead = "lead"


class LegalHold(TenantScoped, table=True):
    """One hold; active while `released_at` is null."""

    __tablename__ = "legal_holds"
    user_id: UUID | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE", index=True)
    record_type: HoldRecord | None = Field(default=None, max_length=40)
    record_id: UUID | None = Field(default=None, index=True)
    reason: str = Field(max_length=500)
    placed_by: UUID
    released_at: datetime | None = None
    released_by: UUID | None = None


class HoldCreate(BaseModel):
    """A new hold on a user (`user_id`) or on one record (`record_type` and `record_id`)."""

    model_config = ConfigDict(extra="forbid")
    user_id: UUID | None = None
    record_type: HoldRecord | None = None
    record_id: UUID | None = None
    reason: str = PydanticField(min_length=3, max_length=500)

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if (self.user_id is None) == (self.record_type is None or self.record_id is None):
            raise ValueError("give either user_id, or record_type and record_id")
        if self.user_id is not None and (self.record_type or self.record_id):
            raise ValueError("give either user_id, or record_type and record_id, not both")
        return self


class HoldPublic(BaseModel):
    """A hold as the API shows it."""

    id: UUID
    user_id: UUID | None
    record_type: HoldRecord | None
    record_id: UUID | None
    reason: str
    placed_by: UUID
    created_at: datetime
    released_at: datetime | None
    released_by: UUID | None
    active: bool


def public(hold: LegalHold) -> HoldPublic:
    return HoldPublic(**hold.model_dump(exclude={"tenant_id"}), active=hold.released_at is None)


def _record_exists(session: Session, kind: HoldRecord, record_id: UUID) -> bool:
    from agents.models import AgentThread
    from proctoring.models import ProctoringSession

    model = {HoldRecord.proctoring_session: ProctoringSession, HoldRecord.agent_thread: AgentThread,
             HoldRecord.lead: Lead}[kind]
    return session.get(model, record_id) is not None


def place_hold(session: Session, actor: Actor, body: HoldCreate) -> LegalHold:
    """Place a hold on a user or a record of this tenant (404 if there is none such)."""
    if body.user_id is not None:
        if session.get(User, body.user_id) is None:
            raise NotFound("User not found")
    elif not _record_exists(session, body.record_type, body.record_id):  # type: ignore[arg-type]
        raise NotFound(f"{body.record_type} not found")
    hold = LegalHold(tenant_id=actor.tenant_id, placed_by=actor.user_id, **body.model_dump())
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: Session, actor: Actor, hold_id: UUID) -> LegalHold:
    """Release an active hold (409 if it was released before)."""
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound("Legal hold not found")
    if hold.released_at is not None:
        raise Conflict("The hold was released before", code="hold_released")
    hold.released_at, hold.released_by = utcnow(), actor.user_id
    session.add(hold)
    session.flush()
    return hold


def list_holds(session: Session, active: bool | None = None) -> list[LegalHold]:
    """The tenant's holds, newest first; only active (or only released) ones when asked."""
    query = select(LegalHold).order_by(col(LegalHold.created_at).desc())
    if active is not None:
        query = query.where(col(LegalHold.released_at).is_(None) if active
                            else col(LegalHold.released_at).is_not(None))
    return list(session.exec(query).all())


_SUBJECT_HOLDS = text("""
SELECT h.id FROM legal_holds h WHERE h.released_at IS NULL AND (
    h.user_id = :user_id
    OR (h.record_type = 'proctoring_session' AND h.record_id IN
        (SELECT id FROM proctoring_sessions WHERE student_id = :user_id))
    OR (h.record_type = 'agent_thread' AND h.record_id IN
        (SELECT id FROM agent_threads WHERE user_id = :user_id))
    OR (h.record_type = 'lead' AND h.record_id IN (SELECT id FROM leads WHERE contact_key IN
        (SELECT 'email:' || lower(email) FROM users WHERE id = :user_id))))
""")


def holds_on_subject(session: Session, user_id: UUID) -> list[UUID]:
    """Active holds on a user or on a record of theirs: while any is in force, the user cannot be erased."""
    return list(session.execute(_SUBJECT_HOLDS, {"user_id": user_id}).scalars())


def refuse_erasure_on_hold(session: Session, user_id: UUID) -> None:
    """409 `legal_hold` while a hold protects the user or a record of theirs."""
    if held := holds_on_subject(session, user_id):
        raise Conflict("A legal hold protects this user's data; release it before erasing",
                       code="legal_hold", details={"hold_ids": [str(hold) for hold in held]})


# SQL for retention rules: the ids an active hold protects.
HELD_USERS = "(SELECT user_id FROM legal_holds WHERE user_id IS NOT NULL AND released_at IS NULL)"


def held_records(kind: HoldRecord) -> str:
    """SQL: the ids of records of one kind under an active hold."""
    return (f"(SELECT record_id FROM legal_holds WHERE record_type = '{kind.value}' "
            "AND released_at IS NULL)")
