"""Flow 3, live activity -> analytics: attendance, content time and CRM clicks become KPI events.

Attendance rows emit `sis.attendance_recorded` from a mapper hook, inside the transaction that
inserts them, so the SIS needs no knowledge of analytics. Content views and tracked CRM clicks
are emitted by the activity endpoints. Handlers append KPI events and update engagement and
funnel facts incrementally through the analytics service.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, event
from sqlalchemy.orm import Mapper, object_session
from sqlmodel import Session

from cognify.events import Event, emit_on, handlers
from domain.analytics.models import KPIEventIn
from domain.analytics.service import COURSE_ACTIVITY, ingest_events, record_funnel_step
from domain.lms.models import ContentBlock
from domain.sis.models import Attendance, Student

ATTENDANCE_RECORDED = "sis.attendance_recorded"
CONTENT_VIEWED = "lms.content_viewed"
LINK_CLICKED = "crm.link_clicked"


@event.listens_for(Attendance, "after_insert")
def _attendance_inserted(_: Mapper[Any], connection: Connection, mark: Attendance) -> None:
    session = object_session(mark)
    tenant_id = (session.info.get("tenant_id") if session else None) or mark.tenant_id
    emit_on(connection, session, tenant_id, ATTENDANCE_RECORDED, {
        "attendance_id": mark.id, "student_id": mark.student_id, "course_id": mark.course_id,
        "status": mark.status, "timestamp": mark.timestamp,
    })


@handlers.on(ATTENDANCE_RECORDED, name="analytics.attendance_kpi")
def attendance_kpi(session: Session, event: Event) -> None:
    """One `attendance.recorded` KPI event for the student's user."""
    p = event.payload
    student = session.get(Student, UUID(p["student_id"]))
    ingest_events(session, None, [KPIEventIn(
        event_type="attendance.recorded", timestamp=p["timestamp"], source="sis",
        user_id=student.user_id if student else None,
        tags={"status": p["status"], "course_id": p["course_id"], "student_id": p["student_id"]},
        properties={"attendance_id": p["attendance_id"]},
    )])


@handlers.on(CONTENT_VIEWED, name="analytics.content_time")
def content_time(session: Session, event: Event) -> None:
    """A `content.view` KPI event plus the time added to the user's engagement with the course."""
    p = event.payload
    block = session.get(ContentBlock, UUID(p["content_block_id"]))
    if block is None:
        return
    user_id = UUID(p["user_id"])
    ingest_events(session, None, [
        KPIEventIn(event_type="content.view", timestamp=p["viewed_at"], source="lms", user_id=user_id,
                   tags={"course_id": str(block.course_id), "content_block_id": str(block.id)},
                   properties={"seconds": p["seconds"]}),
        KPIEventIn(event_type=COURSE_ACTIVITY, timestamp=p["viewed_at"], source="lms", user_id=user_id,
                   properties={"course_id": str(block.course_id), "seconds": p["seconds"]}),
    ])


@handlers.on(LINK_CLICKED, name="analytics.crm_click")
def crm_click(session: Session, event: Event) -> None:
    """A `crm.click` KPI event and the lead's `clicked` funnel step."""
    p = event.payload
    ingest_events(session, None, [KPIEventIn(
        event_type="crm.click", timestamp=p["clicked_at"], source="crm",
        tags={"lead_id": p["lead_id"], "campaign_id": p.get("campaign_id")}, properties={"url": p["url"]},
    )])
    record_funnel_step(session, None, lead_id=UUID(p["lead_id"]), step="clicked")
