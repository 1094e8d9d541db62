"""Report tools: the sales funnel and learning engagement, through `domain.analytics.service`."""

from datetime import datetime
from typing import Any
from uuid import UUID

from cognify.db import TenantSession
from cognify.security import Actor
from domain.analytics import service
from tools.spec import ToolArgs, declare


class FunnelReportArgs(ToolArgs):
    start: datetime | None = None
    end: datetime | None = None


@declare("analytics:read")
def funnel_report(session: TenantSession, actor: Actor, args: FunnelReportArgs) -> dict[str, Any]:
    """Leads per funnel step and conversion rates over a period (default: last 30 days)."""
    return service.funnel_report(session, actor, start=args.start, end=args.end).model_dump(mode="json")


class EngagementReportArgs(ToolArgs):
    start: datetime | None = None
    end: datetime | None = None
    course_id: UUID | None = None


@declare("analytics:read")
def engagement_report(session: TenantSession, actor: Actor, args: EngagementReportArgs) -> dict[str, Any]:
    """Active learners, time spent and activity score over a period, optionally for one course."""
    report = service.engagement_report(
        session, actor, start=args.start, end=args.end, course_id=args.course_id
    )
    return report.model_dump(mode="json")
