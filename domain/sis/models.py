"""SIS tables and their API shapes: students, attendance and timetables (billing in billing_models)."""

import enum
import re
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, EmailStr, ValidationInfo, field_validator
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlmodel import Field, SQLModel

from cognify.models import Patch, TenantScoped, json_field, timestamp_field

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class StudentStatus(enum.StrEnum):
    """Where a student is in their studies."""

    active = "active"
    inactive = "inactive"
    graduated = "graduated"


class PersonalInfo(SQLModel):
    """Who the student is and how to reach them."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    name: str = Field(min_length=1, max_length=200)
    date_of_birth: date | None = None
    gender: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    nationality: str | None = Field(default=None, max_length=80)
    notes: str | None = Field(default=None, max_length=2000)

    @field_validator("date_of_birth")
    @classmethod
    def _not_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("must not be in the future")
        return value


class AcademicRecord(SQLModel):
    """One entry of a student's past studies."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    institution: str = Field(min_length=1, max_length=200)
    program: str | None = Field(default=None, max_length=200)
    year: int | None = Field(default=None, ge=1900, le=2100)
    grade: str | None = Field(default=None, max_length=40)
    notes: str | None = Field(default=None, max_length=1000)


class StudentBase(SQLModel):
    """Fields shared by every student shape."""

    user_id: UUID | None = None
    guardian_id: UUID | None = None
    status: StudentStatus = StudentStatus.active


class StudentCreate(StudentBase):
    """A new student record."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    personal_info: PersonalInfo
    academic_history: list[AcademicRecord] = Field(default_factory=list, max_length=100)


class StudentUpdate(Patch):
    """A change to a student record; every field optional."""

    nullable = frozenset({"user_id", "guardian_id"})

    user_id: UUID | None = None
    guardian_id: UUID | None = None
    status: StudentStatus | None = None
    personal_info: PersonalInfo | None = None
    academic_history: list[AcademicRecord] | None = Field(default=None, max_length=100)


class Student(StudentBase, TenantScoped, table=True):
    """A student row."""

    __tablename__ = "students"
    user_id: UUID | None = Field(
        default=None, sa_column=Column(PgUUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"),
                                       unique=True, nullable=True)
    )
    guardian_id: UUID | None = Field(
        default=None, sa_column=Column(PgUUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"),
                                       index=True, nullable=True)
    )
    status: StudentStatus = Field(default=StudentStatus.active, sa_type=String(20))
    personal_info: dict[str, Any] = json_field()
    academic_history: list[dict[str, Any]] = json_field(list)
    updated_at: datetime = timestamp_field()


class StudentPublic(StudentBase):
    """A student as the API shows it."""

    id: UUID
    personal_info: dict[str, Any]
    academic_history: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class StudentsPublic(SQLModel):
    """A page of students."""

    data: list[StudentPublic]
    count: int


class AttendanceStatus(enum.StrEnum):
    """Whether the student was there."""

    present = "present"
    absent = "absent"
    late = "late"
    excused = "excused"


class AttendanceMethod(enum.StrEnum):
    """How the attendance was taken."""

    manual = "manual"
    qr = "qr"
    biometric = "biometric"
    online = "online"


class AttendanceBase(SQLModel):
    """Fields shared by every attendance shape."""

    student_id: UUID
    course_id: UUID | None = None
    status: AttendanceStatus
    method: AttendanceMethod = AttendanceMethod.manual
    reason: str | None = Field(default=None, max_length=1000)


class AttendanceCreate(AttendanceBase):
    """A new attendance mark; `timestamp` defaults to now."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    timestamp: datetime | None = None


class AttendanceUpdate(Patch):
    """A change to an attendance mark; every field optional."""

    nullable = frozenset({"course_id", "reason"})

    course_id: UUID | None = None
    status: AttendanceStatus | None = None
    method: AttendanceMethod | None = None
    reason: str | None = Field(default=None, max_length=1000)
    timestamp: datetime | None = None


class Attendance(AttendanceBase, TenantScoped, table=True):
    """An attendance row."""

    __tablename__ = "attendance"
    student_id: UUID = Field(foreign_key="students.id", ondelete="CASCADE", index=True)
    course_id: UUID | None = Field(default=None, foreign_key="courses.id", ondelete="SET NULL", index=True)
    status: AttendanceStatus = Field(sa_type=String(20))
    method: AttendanceMethod = Field(default=AttendanceMethod.manual, sa_type=String(20))
    reason: str | None = Field(default=None, sa_type=Text)
    timestamp: datetime = timestamp_field(index=True)


class AttendancePublic(AttendanceBase):
    """An attendance mark as the API shows it."""

    id: UUID
    timestamp: datetime
    created_at: datetime


class AttendancesPublic(SQLModel):
    """A page of attendance marks."""

    data: list[AttendancePublic]
    count: int


class Weekday(enum.StrEnum):
    """Days of the week."""

    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


class Period(SQLModel):
    """One weekly slot: a subject taught by a teacher on a day, from start to end."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    day: Weekday
    start: str
    end: str
    subject: str = Field(min_length=1, max_length=120)
    teacher_id: UUID | None = None

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not HHMM.match(value):
            raise ValueError("must be a time 'HH:MM' between 00:00 and 23:59")
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start and value <= start:
            raise ValueError("must be after start")
        return value


class TimetableBase(SQLModel):
    """Fields shared by every timetable shape."""

    name: str = Field(min_length=1, max_length=200)
    classroom_id: str = Field(min_length=1, max_length=100)
    starts_on: date | None = None
    ends_on: date | None = None


def _check_weeks(weeks: list[int] | None) -> list[int] | None:
    if weeks is None:
        return None
    if any(w < 1 or w > 53 for w in weeks):
        raise ValueError("week numbers must be between 1 and 53")
    return sorted(set(weeks))


class TimetableCreate(TimetableBase):
    """A new timetable; `teachers` and `subjects` are completed from the periods."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    periods: list[Period] = Field(min_length=1, max_length=500)
    teachers: list[UUID] = Field(default_factory=list, max_length=200)
    subjects: list[str] = Field(default_factory=list, max_length=200)
    weeks: list[int] | None = Field(default=None, max_length=53)

    _weeks = field_validator("weeks")(_check_weeks)


class TimetableUpdate(Patch):
    """A change to a timetable; every field optional."""

    nullable = frozenset({"weeks", "starts_on", "ends_on"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    classroom_id: str | None = Field(default=None, min_length=1, max_length=100)
    periods: list[Period] | None = Field(default=None, min_length=1, max_length=500)
    teachers: list[UUID] | None = Field(default=None, max_length=200)
    subjects: list[str] | None = Field(default=None, max_length=200)
    weeks: list[int] | None = Field(default=None, max_length=53)
    starts_on: date | None = None
    ends_on: date | None = None

    _weeks = field_validator("weeks")(_check_weeks)


class Timetable(TimetableBase, TenantScoped, table=True):
    """A timetable row."""

    __tablename__ = "timetables"
    classroom_id: str = Field(max_length=100, index=True)
    periods: list[dict[str, Any]] = json_field(list)
    teachers: list[UUID] = Field(
        default_factory=list, sa_column=Column(ARRAY(PgUUID(as_uuid=True)), nullable=False)
    )
    subjects: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False))
    weeks: list[int] | None = Field(default=None, sa_column=Column(ARRAY(Integer), nullable=True))
    starts_on: date | None = Field(default=None, sa_type=Date)
    ends_on: date | None = Field(default=None, sa_type=Date)
    updated_at: datetime = timestamp_field()


class TimetablePublic(TimetableBase):
    """A timetable as the API shows it."""

    id: UUID
    periods: list[dict[str, Any]]
    teachers: list[UUID]
    subjects: list[str]
    weeks: list[int] | None
    created_at: datetime
    updated_at: datetime


class TimetablesPublic(SQLModel):
    """A page of timetables."""

    data: list[TimetablePublic]
    count: int
