"""Analytics endpoints: event ingestion and the funnel and engagement reports."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from cognify.api import SessionDep
from domain.analytics import service
from domain.analytics.models import EngagementReport, EventBatch, EventBatchResult, FunnelReport
from domain.identity.deps import CurrentActor

router = APIRouter(prefix="/api/v1", tags=["analytics"])
From = Annotated[datetime | None, Query(alias="from", description="Start of the period (inclusive)")]
To = Annotated[datetime | None, Query(alias="to", description="End of the period (exclusive)")]


@router.post("/events", response_model=EventBatchResult, status_code=status.HTTP_201_CREATED)
def post_events(session: SessionDep, actor: CurrentActor, body: EventBatch) -> EventBatchResult:
    """Record up to 1,000 KPI events; students post only about themselves."""
    return service.ingest_events(session, actor, body.events)


@router.get("/analytics/funnel", response_model=FunnelReport)
def funnel(session: SessionDep, actor: CurrentActor, start: From = None, end: To = None) -> FunnelReport:
    """Leads per funnel step and conversion rates over a period (default: last 30 days)."""
    return service.funnel_report(session, actor, start=start, end=end)


@router.get("/analytics/engagement", response_model=EngagementReport)
def engagement(
    session: SessionDep, actor: CurrentActor, start: From = None, end: To = None,
    course_id: UUID | None = None,
) -> EngagementReport:
    """Active users, time spent and activity score over a period, optionally for one course."""
    return service.engagement_report(session, actor, start=start, end=end, course_id=course_id)
