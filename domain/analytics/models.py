"""Analytics tables and API shapes: KPI events, per-course engagement, lead funnel steps.

Facts keep the ids of the leads and courses they describe without foreign keys: deleting a lead
or a course does not rewrite history, and analytics does not depend on the LMS or CRM schema.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from cognify.models import TenantScoped, json_field, timestamp_field

MAX_BATCH = 1000
EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_.:\-]{0,79}$"
Scalar = str | int | float | bool | None
StepName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")]


class KPIEventIn(SQLModel):
    """One event as a client posts it; `user_id` defaults to the caller."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    event_type: str = Field(max_length=80, schema_extra={"pattern": EVENT_TYPE_PATTERN})
    timestamp: AwareDatetime | None = None
    source: str = Field(default="api", min_length=1, max_length=60)
    user_id: UUID | None = None
    tags: dict[str, Scalar] = Field(default_factory=dict, max_length=30)
    properties: dict[str, Any] = Field(default_factory=dict, max_length=50)


class EventBatch(SQLModel):
    """Up to 1,000 events inserted in one statement."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    events: list[KPIEventIn] = Field(min_length=1, max_length=MAX_BATCH)


class EventBatchResult(SQLModel):
    """What a batch wrote."""

    inserted: int
    engagement_updates: int
    funnel_steps: int


class CourseActivity(BaseModel):
    """`properties` of a `course.activity` event: time spent in a course."""

    course_id: UUID
    seconds: int = PydanticField(ge=0, le=86_400)
    activity_score: float | None = PydanticField(default=None, ge=0, le=100)


class FunnelStepEvent(BaseModel):
    """`properties` of a `funnel.step` event: a lead reached a step."""

    lead_id: UUID
    step: StepName
    time_taken: int = PydanticField(default=0, ge=0)
    converted: bool = False


class KPIEvent(TenantScoped, table=True):
    """One raw event."""

    __tablename__ = "kpi_events"
    event_type: str = Field(max_length=80)
    timestamp: datetime = timestamp_field()
    source: str = Field(max_length=60)
    user_id: UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    tags: dict[str, Any] = json_field()
    properties: dict[str, Any] = json_field()


class Engagement(TenantScoped, table=True):
    """A user's cumulative time in a course and their latest activity score."""

    __tablename__ = "engagement"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "course_id", name="uq_engagement_user_course"),
    )
    user_id: UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    course_id: UUID
    time_spent: int = 0
    activity_score: float = 0.0
    updated_at: datetime = timestamp_field()


class FunnelStep(TenantScoped, table=True):
    """A lead reaching a step of the sales funnel."""

    __tablename__ = "funnel_steps"
    lead_id: UUID
    step: str = Field(max_length=40)
    time_taken: int = 0
    conversion_flag: bool = False
    occurred_at: datetime = timestamp_field()


class FunnelStepStat(SQLModel):
    """One step of the funnel report."""

    step: str
    leads: int
    converted: int
    conversion_rate: float
    rate_from_previous: float | None
    avg_time_taken: float


class FunnelReport(SQLModel):
    """Leads per step over a period, widest step first."""

    start: datetime
    end: datetime
    steps: list[FunnelStepStat]
    leads: int
    converted: int
    conversion_rate: float


class EngagementReport(SQLModel):
    """Engagement aggregates over a period, optionally for one course."""

    start: datetime
    end: datetime
    course_id: UUID | None
    active_users: int
    records: int
    total_time_spent: int
    avg_time_spent: float
    avg_activity_score: float
