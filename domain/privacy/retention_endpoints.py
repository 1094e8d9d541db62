"""Retention and legal-hold endpoints: the dry run, a purge on demand, and holds on users and records."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status

from cognify.api import SessionDep
from domain.identity.deps import Actor, require
from domain.privacy import holds
from domain.privacy.holds import HoldCreate, HoldPublic
from domain.privacy.retention import RetentionReport, apply_retention

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])
Admin = Annotated[Actor, Depends(require("privacy:manage"))]


@router.get("/retention", response_model=RetentionReport)
def retention_dry_run(session: SessionDep, actor: Admin) -> RetentionReport:
    """The tenant's retention period per category and what the next purge would remove (nothing changes).

    Periods are set in `customizations.privacy.retention_days` (PATCH /api/v1/tenants/current)."""
    return apply_retention(session, actor.tenant_id, dry_run=True)


@router.post("/retention/run", response_model=RetentionReport)
def retention_run(session: SessionDep, actor: Admin) -> RetentionReport:
    """Purge now what the hourly beat would purge next, and report what went."""
    return apply_retention(session, actor.tenant_id, dry_run=False)


@router.post("/legal-holds", response_model=HoldPublic, status_code=status.HTTP_201_CREATED)
def place_hold(session: SessionDep, actor: Admin, body: HoldCreate) -> HoldPublic:
    """Keep a user (everything that is theirs) or one record out of retention purges and erasure."""
    return holds.public(holds.place_hold(session, actor, body))


@router.get("/legal-holds", response_model=list[HoldPublic])
def list_holds(session: SessionDep, _: Admin, active: bool | None = None) -> list[HoldPublic]:
    """The tenant's holds, newest first (`active=true`: only those in force)."""
    return [holds.public(hold) for hold in holds.list_holds(session, active)]


@router.post("/legal-holds/{hold_id}/release", response_model=HoldPublic)
def release_hold(session: SessionDep, actor: Admin, hold_id: UUID) -> HoldPublic:
    """End a hold; what it protected is purged or erased from then on as usual."""
    return holds.public(holds.release_hold(session, actor, hold_id))
