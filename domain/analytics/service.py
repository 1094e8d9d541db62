"""Analytics services: event ingestion (one INSERT per batch), derived facts, and reports.

Callable from Python (agents' `funnel_report` / `engagement_report` tools) and over HTTP.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Float, and_, cast, distinct, func, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from cognify.errors import Forbidden, ValidationFailed
from cognify.models import utcnow
from cognify.security import Actor
from domain.analytics.models import (
    MAX_BATCH,
    CourseActivity,
    Engagement,
    EngagementReport,
    EventBatchResult,
    FunnelReport,
    FunnelStep,
    FunnelStepEvent,
    FunnelStepStat,
    KPIEvent,
    KPIEventIn,
)
from domain.identity.models import User

COURSE_ACTIVITY = "course.activity"
FUNNEL_STEP = "funnel.step"
DEFAULT_PERIOD = timedelta(days=30)
M = TypeVar("M", bound=BaseModel)


def _require(actor: Actor | None, permission: str) -> None:
    if actor is not None and not actor.can(permission):
        raise Forbidden(f"Missing permission '{permission}'")


def _properties(model: type[M], index: int, event: KPIEventIn) -> M:
    """The event's properties parsed as `model`; 422 naming `events.N.properties.<field>`."""
    try:
        return model.model_validate(event.properties)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(["events", str(index), "properties", *map(str, first["loc"])])
        raise ValidationFailed(f"{field}: {first['msg']}", details={"field": field}) from exc


def _resolve_users(session: Session, actor: Actor | None, events: Sequence[KPIEventIn]) -> list[UUID | None]:
    """Each event's user: the caller by default; only staff may name someone else."""
    users: list[UUID | None] = []
    for i, event in enumerate(events):
        user = event.user_id or (actor.user_id if actor else None)
        if actor is not None and user != actor.user_id and not actor.is_staff:
            raise Forbidden(f"events.{i}.user_id: you may only post events about yourself")
        users.append(user)
    others = {u for u in users if u is not None and (actor is None or u != actor.user_id)}
    if others:
        known = set(session.exec(select(User.id).where(col(User.id).in_(others))).all())
        for i, user in enumerate(users):
            if user in others - known:
                raise ValidationFailed(f"events.{i}.user_id: no such user",
                                       details={"field": f"events.{i}.user_id"})
    return users


def ingest_events(session: Session, actor: Actor | None, events: Sequence[KPIEventIn]) -> EventBatchResult:
    """Store a batch of events in one INSERT and derive engagement and funnel facts from it."""
    if len(events) > MAX_BATCH:
        raise ValidationFailed(f"events: at most {MAX_BATCH} events per batch",
                               details={"field": "events"})
    users = _resolve_users(session, actor, events)
    now = utcnow()
    activity: dict[tuple[UUID, UUID], list[Any]] = {}
    funnel: list[dict[str, Any]] = []
    for i, (event, user) in enumerate(zip(events, users, strict=True)):
        if event.event_type == COURSE_ACTIVITY:
            props = _properties(CourseActivity, i, event)
            if user is None:
                raise ValidationFailed(f"events.{i}.user_id: a course activity needs a user",
                                       details={"field": f"events.{i}.user_id"})
            totals = activity.setdefault((user, props.course_id), [0, None])
            totals[0] += props.seconds
            totals[1] = props.activity_score if props.activity_score is not None else totals[1]
        elif event.event_type == FUNNEL_STEP:
            if actor is not None and not actor.is_staff:
                raise Forbidden(f"events.{i}.event_type: only staff may record funnel steps")
            step = _properties(FunnelStepEvent, i, event)
            funnel.append({"lead_id": step.lead_id, "step": step.step, "time_taken": step.time_taken,
                           "conversion_flag": step.converted, "occurred_at": event.timestamp or now})
    rows = [
        {"event_type": e.event_type, "timestamp": e.timestamp or now, "source": e.source,
         "user_id": u, "tags": e.tags, "properties": e.properties}
        for e, u in zip(events, users, strict=True)
    ]
    session.execute(insert(KPIEvent).values(rows))
    for (user, course), (seconds, score) in activity.items():
        record_engagement(session, None, user_id=user, course_id=course, seconds=seconds,
                          activity_score=score)
    if funnel:
        session.execute(insert(FunnelStep).values(funnel))
    return EventBatchResult(inserted=len(rows), engagement_updates=len(activity), funnel_steps=len(funnel))


def record_engagement(
    session: Session, actor: Actor | None, *, user_id: UUID, course_id: UUID, seconds: int,
    activity_score: float | None = None,
) -> None:
    """Add time to a user's engagement with a course; a given score replaces the last one."""
    if actor is not None and user_id != actor.user_id and not actor.is_staff:
        raise Forbidden("You may only record your own engagement")
    score = activity_score if activity_score is not None else 0.0
    stmt = pg_insert(Engagement).values(
        id=uuid4(), user_id=user_id, course_id=course_id, time_spent=seconds,
        activity_score=score, updated_at=func.now(),
    )
    table = Engagement.__table__  # type: ignore[attr-defined]
    new_score = stmt.excluded.activity_score if activity_score is not None else table.c.activity_score
    session.execute(stmt.on_conflict_do_update(
        constraint="uq_engagement_user_course",
        set_={"time_spent": table.c.time_spent + stmt.excluded.time_spent,
              "activity_score": new_score, "updated_at": func.now()},
    ))


def record_funnel_step(
    session: Session, actor: Actor | None, *, lead_id: UUID, step: str, time_taken: int = 0,
    converted: bool = False, occurred_at: datetime | None = None,
) -> FunnelStep:
    """Record that a lead reached a funnel step."""
    if actor is not None and not actor.is_staff:
        raise Forbidden("Only staff may record funnel steps")
    parsed = FunnelStepEvent(lead_id=lead_id, step=step, time_taken=time_taken, converted=converted)
    row = FunnelStep(lead_id=parsed.lead_id, step=parsed.step, time_taken=parsed.time_taken,
                     conversion_flag=parsed.converted, occurred_at=occurred_at or utcnow())
    session.add(row)
    session.flush()
    return row


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """A [start, end) window (naive times are UTC): the last 30 days by default; start after end is 422."""
    end = _aware(end) or utcnow()
    start = _aware(start) or end - DEFAULT_PERIOD
    if start > end:
        raise ValidationFailed("from: must not be after 'to'", details={"field": "from"})
    return start, end


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def funnel_report(
    session: Session, actor: Actor | None, *, start: datetime | None = None, end: datetime | None = None,
) -> FunnelReport:
    """Distinct leads per step, converted leads and rates over [start, end)."""
    _require(actor, "analytics:read")
    start, end = period(start, end)
    window = and_(FunnelStep.occurred_at >= start, FunnelStep.occurred_at < end)
    converted = func.count(distinct(FunnelStep.lead_id)).filter(col(FunnelStep.conversion_flag))
    rows = session.exec(
        select(FunnelStep.step, func.count(distinct(FunnelStep.lead_id)), converted,
               func.avg(cast(FunnelStep.time_taken, Float)))
        .where(window).group_by(FunnelStep.step)
    ).all()
    ordered = sorted(rows, key=lambda r: (-r[1], r[0]))
    steps: list[FunnelStepStat] = []
    for i, (step, leads, done, avg_time) in enumerate(ordered):
        previous = steps[i - 1].leads if i else None
        steps.append(FunnelStepStat(
            step=step, leads=leads, converted=done, conversion_rate=_rate(done, leads),
            rate_from_previous=_rate(leads, previous) if previous is not None else None,
            avg_time_taken=round(float(avg_time or 0), 2),
        ))
    total, total_converted = session.exec(
        select(func.count(distinct(FunnelStep.lead_id)), converted).where(window)
    ).one()
    return FunnelReport(start=start, end=end, steps=steps, leads=total, converted=total_converted,
                        conversion_rate=_rate(total_converted, total))


def engagement_report(
    session: Session, actor: Actor | None, *, start: datetime | None = None,
    end: datetime | None = None, course_id: UUID | None = None,
) -> EngagementReport:
    """Active users, total and average time, average activity score over [start, end)."""
    _require(actor, "analytics:read")
    start, end = period(start, end)
    query = select(
        func.count(distinct(Engagement.user_id)).filter(col(Engagement.time_spent) > 0),
        func.count(), func.coalesce(func.sum(Engagement.time_spent), 0),
        func.coalesce(func.avg(Engagement.activity_score), 0.0),
    ).where(Engagement.updated_at >= start, Engagement.updated_at < end)
    if course_id is not None:
        query = query.where(Engagement.course_id == course_id)
    active, records, total, avg_score = session.exec(query).one()
    return EngagementReport(
        start=start, end=end, course_id=course_id, active_users=active, records=records,
        total_time_spent=int(total), avg_time_spent=round(int(total) / active, 2) if active else 0.0,
        avg_activity_score=round(float(avg_score), 2),
    )
