"""Attendance marks: teachers record them for their students; students and parents read their own."""

from datetime import datetime
from uuid import UUID

from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page
from cognify.errors import Forbidden, NotFound
from cognify.models import utcnow
from cognify.security import Actor
from domain.sis.models import (
    Attendance,
    AttendanceCreate,
    AttendanceMethod,
    AttendanceStatus,
    AttendanceUpdate,
)
from domain.sis.service.access import (
    check_course,
    invalid,
    require,
    student_scope,
    student_visible,
    teaches,
    visible_student_ids,
)

ATTENDANCE_SORTS = ("timestamp", "created_at", "status")


def _check_reason(status: AttendanceStatus, reason: str | None) -> None:
    if status == AttendanceStatus.excused and not (reason or "").strip():
        raise invalid("reason", "required when status is 'excused'")


def _check_course(session: Session, actor: Actor, course_id: UUID | None) -> None:
    if course_id is None:
        return
    check_course(session, course_id)
    if not actor.can("students:manage") and not teaches(session, actor, course_id):
        raise Forbidden("You can only record attendance for courses you teach")


def create_attendance(session: Session, actor: Actor, data: AttendanceCreate) -> Attendance:
    """Record attendance for a student the actor teaches (or any student, for managers)."""
    require(actor, "attendance:manage")
    _check_reason(data.status, data.reason)
    if not student_visible(session, student_scope(actor), data.student_id):
        raise invalid("student_id", "no such student")
    _check_course(session, actor, data.course_id)
    mark = Attendance(
        student_id=data.student_id, course_id=data.course_id, status=data.status, method=data.method,
        reason=data.reason, timestamp=data.timestamp or utcnow(),
    )
    session.add(mark)
    session.flush()
    return mark


def list_attendance(
    session: Session, actor: Actor, *, student_id: UUID | None = None, course_id: UUID | None = None,
    status: AttendanceStatus | None = None, method: AttendanceMethod | None = None,
    since: datetime | None = None, until: datetime | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Attendance], int]:
    """A page of the attendance marks of students the actor may see."""
    query = select(Attendance)
    scope = student_scope(actor)
    if scope is not None:
        query = query.where(col(Attendance.student_id).in_(visible_student_ids(scope)))
    for column, value in ((Attendance.student_id, student_id), (Attendance.course_id, course_id),
                          (Attendance.status, status), (Attendance.method, method)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(col(Attendance.timestamp) >= since)
    if until is not None:
        query = query.where(col(Attendance.timestamp) < until)
    return page(session, order_by(query, Attendance, sort, ATTENDANCE_SORTS, "-timestamp"), limit, offset)


def get_attendance(session: Session, actor: Actor, attendance_id: UUID) -> Attendance:
    """One attendance mark of a student the actor may see; 404 otherwise."""
    mark = session.get(Attendance, attendance_id)
    if mark is None or not student_visible(session, student_scope(actor), mark.student_id):
        raise NotFound("Attendance not found")
    return mark


def update_attendance(
    session: Session, actor: Actor, attendance_id: UUID, data: AttendanceUpdate
) -> Attendance:
    """Correct an attendance mark."""
    mark = get_attendance(session, actor, attendance_id)
    require(actor, "attendance:manage")
    changes = data.model_dump(exclude_unset=True)
    _check_reason(changes.get("status", mark.status), changes.get("reason", mark.reason))
    if changes.get("course_id") is not None:
        _check_course(session, actor, changes["course_id"])
    return apply_update(session, mark, changes)


def delete_attendance(session: Session, actor: Actor, attendance_id: UUID) -> None:
    """Remove an attendance mark."""
    mark = get_attendance(session, actor, attendance_id)
    require(actor, "attendance:manage")
    session.delete(mark)
    session.flush()
