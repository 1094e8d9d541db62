"""Who saw a student's education record (FERPA): one append-only row per record read by someone else.

Endpoints and agent tools that return grades, attempts, attendance, proctoring evidence, invoices or a
student's record call `log_reads` with what they return; the student's own reads are not logged.
"""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID, uuid4

from pydantic import BaseModel
from sqlalchemy import insert
from sqlmodel import Field, Session, col, select

from cognify.errors import NotFound
from cognify.models import TenantScoped
from cognify.security import Actor
from domain.identity.models import User
from domain.privacy.subjects import may_act_for
from domain.sis.models import Student


class RecordAccess(TenantScoped, table=True):
    """One read of one student's record (append-only: the app role cannot change or delete it)."""

    __tablename__ = "record_access_log"
    student_user_id: UUID | None = Field(default=None, index=True)
    student_record_id: UUID | None = Field(default=None, index=True)
    record_type: str = Field(max_length=40)
    record_id: UUID | None = None
    accessor_id: UUID
    accessor_role: str = Field(max_length=20)
    via: str = Field(max_length=120)


class RecordAccessPublic(BaseModel):
    """An access-log row as the API shows it."""

    student_user_id: UUID | None
    student_record_id: UUID | None
    record_type: str
    record_id: UUID | None
    accessor_id: UUID
    accessor_name: str | None
    accessor_role: str
    via: str
    created_at: datetime


def log_reads(session: Session, actor: Actor | None, record_type: str, via: str,
              records: Iterable[tuple[UUID | None, UUID | None, UUID | None]]) -> int:
    """Log reads of `(student user id, student record id, record id)` triples; the rows written.

    Either student id may be None: the other is resolved through `students`. Reads by the student
    themselves are not logged."""
    if actor is None:
        return 0
    wanted = list(records)
    sis_ids = {sis for user, sis, _ in wanted if user is None and sis is not None}
    owners: dict[UUID, UUID | None] = {}
    if sis_ids:
        found = session.exec(select(Student.id, Student.user_id).where(col(Student.id).in_(sis_ids)))
        owners = dict(found.all())
    rows = []
    for user, sis, record in wanted:
        user = user if user is not None else owners.get(sis) if sis is not None else None
        if user is not None and user == actor.user_id:
            continue
        rows.append({"id": uuid4(), "tenant_id": actor.tenant_id, "student_user_id": user,
                     "student_record_id": sis, "record_type": record_type, "record_id": record,
                     "accessor_id": actor.user_id,
                     "accessor_role": actor.role.value, "via": via[:120]})
    if rows:
        session.execute(insert(RecordAccess), rows)
    return len(rows)


def read_log(session: Session, actor: Actor, student_id: UUID, limit: int = 200) -> list[RecordAccessPublic]:
    """Who read the student's records, newest first: for admins, the student, and their guardian."""
    if session.get(User, student_id) is None or not may_act_for(session, actor, student_id):
        raise NotFound("No such user")
    query = (select(RecordAccess, User.full_name)
             .join(User, col(User.id) == RecordAccess.accessor_id, isouter=True)
             .where(RecordAccess.student_user_id == student_id)
             .order_by(col(RecordAccess.created_at).desc(), col(RecordAccess.id)).limit(limit))
    return [RecordAccessPublic(accessor_name=name, **row.model_dump())
            for row, name in session.exec(query).all()]
