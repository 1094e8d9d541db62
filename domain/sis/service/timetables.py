"""Timetables with clash detection: no teacher or classroom is booked twice at once."""

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cognify.crud import apply_update, get_or_404, order_by, page
from cognify.errors import Conflict
from cognify.security import STAFF_ROLES, Actor
from domain.sis.models import Period, Timetable, TimetableCreate, TimetableUpdate
from domain.sis.service.access import check_user, invalid, require

TIMETABLE_SORTS = ("name", "classroom_id", "created_at", "updated_at")


@dataclass
class Schedule:
    """A timetable's bookings as clash detection sees them."""

    name: str
    classroom_id: str
    periods: list[Period]
    weeks: list[int] | None
    starts_on: date | None
    ends_on: date | None


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _overlap(a: Period, b: Period) -> bool:
    return a.day == b.day and _minutes(a.start) < _minutes(b.end) and _minutes(b.start) < _minutes(a.end)


def _weeks_of(s: Schedule) -> set[int] | None:
    """ISO week numbers the schedule runs in; None when it runs every week."""
    if s.weeks:
        return set(s.weeks)
    if s.starts_on and s.ends_on and (s.ends_on - s.starts_on).days < 364:
        days = range(0, (s.ends_on - s.starts_on).days + 1, 7)
        return {(s.starts_on + timedelta(days=d)).isocalendar().week for d in days} | {
            s.ends_on.isocalendar().week}
    return None


def _terms_overlap(a: Schedule, b: Schedule) -> bool:
    if (a.ends_on and b.starts_on and a.ends_on < b.starts_on) or (
            b.ends_on and a.starts_on and b.ends_on < a.starts_on):
        return False
    weeks_a, weeks_b = _weeks_of(a), _weeks_of(b)
    return weeks_a is None or weeks_b is None or bool(weeks_a & weeks_b)


def _slot(p: Period) -> str:
    return f"{p.day.value} {p.start}-{p.end}"


def find_clashes(candidate: Schedule, others: list[Schedule], names: dict[UUID, str]) -> list[str]:
    """Every double booking of a teacher or classroom the candidate would cause."""
    clashes = []
    for a, b in combinations(candidate.periods, 2):
        if _overlap(a, b):
            clashes.append(f"classroom '{candidate.classroom_id}' is booked twice in this timetable: "
                           f"{_slot(a)} ({a.subject}) and {_slot(b)} ({b.subject})")
            if a.teacher_id and a.teacher_id == b.teacher_id:
                clashes.append(f"teacher {names.get(a.teacher_id, a.teacher_id)} is booked twice in this "
                               f"timetable: {_slot(a)} and {_slot(b)}")
    for other in others:
        if not _terms_overlap(candidate, other):
            continue
        for a in candidate.periods:
            for b in other.periods:
                if not _overlap(a, b):
                    continue
                where = f"{_slot(b)} ({b.subject}) in timetable '{other.name}'"
                if other.classroom_id == candidate.classroom_id:
                    clashes.append(f"classroom '{candidate.classroom_id}' is already booked on {where}")
                if a.teacher_id and a.teacher_id == b.teacher_id:
                    clashes.append(f"teacher {names.get(a.teacher_id, a.teacher_id)} is already booked "
                                   f"on {where}")
    return clashes


def _schedule(row: Timetable) -> Schedule:
    return Schedule(row.name, row.classroom_id, [Period.model_validate(p) for p in row.periods],
                    row.weeks, row.starts_on, row.ends_on)


def _check_teachers(session: Session, periods: list[Period], teachers: list[UUID]) -> dict[UUID, str]:
    names: dict[UUID, str] = {}
    refs = [(f"periods.{i}.teacher_id", p.teacher_id) for i, p in enumerate(periods) if p.teacher_id]
    refs += [(f"teachers.{i}", t) for i, t in enumerate(teachers)]
    for field, user_id in refs:
        if user_id not in names:
            user = check_user(session, user_id, field, STAFF_ROLES)
            names[user_id] = f"'{user.full_name or user.email}'"
    return names


def _validate(session: Session, candidate: Schedule, teachers: list[UUID], exclude: UUID | None) -> None:
    """422 for unknown teachers or a reversed date range; 409 naming every clash."""
    if candidate.starts_on and candidate.ends_on and candidate.starts_on > candidate.ends_on:
        raise invalid("ends_on", "must not be before starts_on")
    names = _check_teachers(session, candidate.periods, teachers)
    # Serialise timetable writes per tenant so two concurrent bookings cannot both pass the check.
    session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('cognify.timetables'), "
                            "hashtext(cognify_current_tenant()::text))"))
    period_teachers = [p.teacher_id for p in candidate.periods if p.teacher_id]
    query = select(Timetable).where(sa.or_(
        Timetable.classroom_id == candidate.classroom_id,
        col(Timetable.teachers).overlap(period_teachers),
    ))
    if exclude is not None:
        query = query.where(Timetable.id != exclude)
    clashes = find_clashes(candidate, [_schedule(r) for r in session.exec(query)], names)
    if clashes:
        raise Conflict(f"Timetable clash: {clashes[0]}", code="timetable_clash", details={"clashes": clashes})


def _union(given: list, derived: list) -> list:
    return list(dict.fromkeys([*given, *derived]))


def create_timetable(session: Session, actor: Actor, data: TimetableCreate) -> Timetable:
    """A new timetable, refused with 409 if it double-books a teacher or classroom."""
    require(actor, "students:manage")
    candidate = Schedule(data.name, data.classroom_id, data.periods, data.weeks, data.starts_on, data.ends_on)
    _validate(session, candidate, data.teachers, None)
    row = Timetable(
        name=data.name, classroom_id=data.classroom_id, weeks=data.weeks, starts_on=data.starts_on,
        ends_on=data.ends_on, periods=[p.model_dump(mode="json") for p in data.periods],
        teachers=_union(data.teachers, [p.teacher_id for p in data.periods if p.teacher_id]),
        subjects=_union(data.subjects, [p.subject for p in data.periods]),
    )
    session.add(row)
    session.flush()
    return row


def list_timetables(
    session: Session, actor: Actor, *, classroom_id: str | None = None, teacher_id: UUID | None = None,
    subject: str | None = None, sort: str | None = None, limit: int = 50, offset: int = 0,
) -> tuple[list[Timetable], int]:
    """A page of the tenant's timetables; everyone in the tenant may read them."""
    query = select(Timetable)
    if classroom_id is not None:
        query = query.where(Timetable.classroom_id == classroom_id)
    if teacher_id is not None:
        query = query.where(col(Timetable.teachers).any(teacher_id))
    if subject is not None:
        query = query.where(col(Timetable.subjects).any(subject))
    return page(session, order_by(query, Timetable, sort, TIMETABLE_SORTS, "name"), limit, offset)


def get_timetable(session: Session, actor: Actor, timetable_id: UUID) -> Timetable:
    """One timetable."""
    return get_or_404(session, Timetable, timetable_id, "Timetable")


def update_timetable(session: Session, actor: Actor, timetable_id: UUID, data: TimetableUpdate) -> Timetable:
    """Change a timetable; the result must still be free of clashes."""
    row = get_timetable(session, actor, timetable_id)
    require(actor, "students:manage")
    fields = data.model_fields_set
    periods = data.periods if data.periods is not None else [Period.model_validate(p) for p in row.periods]
    candidate = Schedule(
        data.name or row.name, data.classroom_id or row.classroom_id, periods,
        data.weeks if "weeks" in fields else row.weeks,
        data.starts_on if "starts_on" in fields else row.starts_on,
        data.ends_on if "ends_on" in fields else row.ends_on,
    )
    _validate(session, candidate, data.teachers or [], row.id)
    keep = data.periods is None
    teachers = data.teachers if data.teachers is not None else (row.teachers if keep else [])
    subjects = data.subjects if data.subjects is not None else (row.subjects if keep else [])
    changes = {
        "name": candidate.name, "classroom_id": candidate.classroom_id, "weeks": candidate.weeks,
        "starts_on": candidate.starts_on, "ends_on": candidate.ends_on,
        "periods": [p.model_dump(mode="json") for p in periods],
        "teachers": _union(teachers, [p.teacher_id for p in periods if p.teacher_id]),
        "subjects": _union(subjects, [p.subject for p in periods]),
    }
    return apply_update(session, row, changes)


def delete_timetable(session: Session, actor: Actor, timetable_id: UUID) -> None:
    """Remove a timetable."""
    row = get_timetable(session, actor, timetable_id)
    require(actor, "students:manage")
    session.delete(row)
    session.flush()
