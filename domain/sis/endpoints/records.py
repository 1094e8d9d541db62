"""Students, attendance and timetables endpoints (HTTP only; rules live in the services)."""

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from cognify.api import PageDep, SessionDep, SortParam
from domain.identity.deps import CurrentActor
from domain.privacy.access_log import log_reads
from domain.sis import service
from domain.sis.models import (
    Attendance,
    AttendanceCreate,
    AttendanceMethod,
    AttendancePublic,
    AttendancesPublic,
    AttendanceStatus,
    AttendanceUpdate,
    Student,
    StudentCreate,
    StudentPublic,
    StudentsPublic,
    StudentStatus,
    StudentUpdate,
    Timetable,
    TimetableCreate,
    TimetablePublic,
    TimetablesPublic,
    TimetableUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["sis"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.post("/students", response_model=StudentPublic, status_code=status.HTTP_201_CREATED)
def create_student(session: SessionDep, actor: CurrentActor, body: StudentCreate) -> Student:
    """Create a student record."""
    return service.create_student(session, actor, body)


@router.get("/students", response_model=StudentsPublic)
def list_students(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    status: StudentStatus | None = None, guardian_id: UUID | None = None, user_id: UUID | None = None,
    name: str | None = Query(default=None, max_length=200),
) -> StudentsPublic:
    """List the students the caller may see."""
    rows, count = service.list_students(
        session, actor, status=status, guardian_id=guardian_id, user_id=user_id, name=name, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    log_reads(session, actor, "student", "GET /api/v1/students", ((r.user_id, r.id, r.id) for r in rows))
    return StudentsPublic(data=[StudentPublic.model_validate(r) for r in rows], count=count)


@router.get("/students/{student_id}", response_model=StudentPublic)
def read_student(session: SessionDep, actor: CurrentActor, student_id: UUID) -> Student:
    """One student record."""
    student = service.get_student(session, actor, student_id)
    log_reads(session, actor, "student", "GET /api/v1/students/{student_id}",
              [(student.user_id, student.id, student.id)])
    return student


@router.patch("/students/{student_id}", response_model=StudentPublic)
def update_student(
    session: SessionDep, actor: CurrentActor, student_id: UUID, body: StudentUpdate
) -> Student:
    """Change a student record."""
    return service.update_student(session, actor, student_id, body)


@router.delete("/students/{student_id}", status_code=NO_CONTENT)
def delete_student(session: SessionDep, actor: CurrentActor, student_id: UUID) -> Response:
    """Delete a student record."""
    service.delete_student(session, actor, student_id)
    return Response(status_code=NO_CONTENT)


@router.post("/attendance", response_model=AttendancePublic, status_code=status.HTTP_201_CREATED)
def create_attendance(session: SessionDep, actor: CurrentActor, body: AttendanceCreate) -> Attendance:
    """Record attendance."""
    return service.create_attendance(session, actor, body)


@router.get("/attendance", response_model=AttendancesPublic)
def list_attendance(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    student_id: UUID | None = None, course_id: UUID | None = None, status: AttendanceStatus | None = None,
    method: AttendanceMethod | None = None, since: datetime | None = None, until: datetime | None = None,
) -> AttendancesPublic:
    """List attendance marks of the students the caller may see."""
    rows, count = service.list_attendance(
        session, actor, student_id=student_id, course_id=course_id, status=status, method=method,
        since=since, until=until, sort=sort, limit=page.limit, offset=page.offset,
    )
    log_reads(session, actor, "attendance", "GET /api/v1/attendance",
              ((None, r.student_id, r.id) for r in rows))
    return AttendancesPublic(data=[AttendancePublic.model_validate(r) for r in rows], count=count)


@router.get("/attendance/{attendance_id}", response_model=AttendancePublic)
def read_attendance(session: SessionDep, actor: CurrentActor, attendance_id: UUID) -> Attendance:
    """One attendance mark."""
    mark = service.get_attendance(session, actor, attendance_id)
    log_reads(session, actor, "attendance", "GET /api/v1/attendance/{attendance_id}",
              [(None, mark.student_id, mark.id)])
    return mark


@router.patch("/attendance/{attendance_id}", response_model=AttendancePublic)
def update_attendance(
    session: SessionDep, actor: CurrentActor, attendance_id: UUID, body: AttendanceUpdate
) -> Attendance:
    """Correct an attendance mark."""
    return service.update_attendance(session, actor, attendance_id, body)


@router.delete("/attendance/{attendance_id}", status_code=NO_CONTENT)
def delete_attendance(session: SessionDep, actor: CurrentActor, attendance_id: UUID) -> Response:
    """Delete an attendance mark."""
    service.delete_attendance(session, actor, attendance_id)
    return Response(status_code=NO_CONTENT)


@router.post("/timetables", response_model=TimetablePublic, status_code=status.HTTP_201_CREATED)
def create_timetable(session: SessionDep, actor: CurrentActor, body: TimetableCreate) -> Timetable:
    """Create a timetable; 409 when it double-books a teacher or classroom."""
    return service.create_timetable(session, actor, body)


@router.get("/timetables", response_model=TimetablesPublic)
def list_timetables(
    session: SessionDep, actor: CurrentActor, page: PageDep, sort: SortParam = None,
    classroom_id: str | None = Query(default=None, max_length=100), teacher_id: UUID | None = None,
    subject: str | None = Query(default=None, max_length=120),
) -> TimetablesPublic:
    """List timetables."""
    rows, count = service.list_timetables(
        session, actor, classroom_id=classroom_id, teacher_id=teacher_id, subject=subject, sort=sort,
        limit=page.limit, offset=page.offset,
    )
    return TimetablesPublic(data=[TimetablePublic.model_validate(r) for r in rows], count=count)


@router.get("/timetables/{timetable_id}", response_model=TimetablePublic)
def read_timetable(session: SessionDep, actor: CurrentActor, timetable_id: UUID) -> Timetable:
    """One timetable."""
    return service.get_timetable(session, actor, timetable_id)


@router.patch("/timetables/{timetable_id}", response_model=TimetablePublic)
def update_timetable(
    session: SessionDep, actor: CurrentActor, timetable_id: UUID, body: TimetableUpdate
) -> Timetable:
    """Change a timetable; 409 when the result clashes."""
    return service.update_timetable(session, actor, timetable_id, body)


@router.delete("/timetables/{timetable_id}", status_code=NO_CONTENT)
def delete_timetable(session: SessionDep, actor: CurrentActor, timetable_id: UUID) -> Response:
    """Delete a timetable."""
    service.delete_timetable(session, actor, timetable_id)
    return Response(status_code=NO_CONTENT)
