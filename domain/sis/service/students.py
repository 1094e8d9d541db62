"""Student records: staff manage them; teachers, the student and their parent read them."""

from uuid import UUID

from sqlmodel import Session, col, select

from cognify.crud import apply_update, order_by, page
from cognify.errors import Conflict, NotFound
from cognify.security import Actor, Role
from domain.sis.billing_models import Invoice
from domain.sis.models import Student, StudentCreate, StudentStatus, StudentUpdate
from domain.sis.service.access import check_user, require, student_scope

STUDENT_SORTS = ("created_at", "updated_at", "status")


def _check_links(session: Session, user_id: UUID | None, guardian_id: UUID | None,
                 student_id: UUID | None = None) -> None:
    if user_id is not None:
        check_user(session, user_id, "user_id", frozenset({Role.student}))
        taken = session.exec(select(Student.id).where(Student.user_id == user_id)).first()
        if taken is not None and taken != student_id:
            raise Conflict("user_id: this user already has a student record", details={"field": "user_id"})
    if guardian_id is not None:
        check_user(session, guardian_id, "guardian_id", frozenset({Role.parent}))


def create_student(session: Session, actor: Actor, data: StudentCreate) -> Student:
    """A new student record; `user_id` must be a student user, `guardian_id` a parent user."""
    require(actor, "students:manage")
    _check_links(session, data.user_id, data.guardian_id)
    student = Student(
        user_id=data.user_id, guardian_id=data.guardian_id, status=data.status,
        personal_info=data.personal_info.model_dump(mode="json", exclude_none=True),
        academic_history=[r.model_dump(mode="json", exclude_none=True) for r in data.academic_history],
    )
    session.add(student)
    session.flush()
    return student


def list_students(
    session: Session, actor: Actor, *, status: StudentStatus | None = None, guardian_id: UUID | None = None,
    user_id: UUID | None = None, name: str | None = None, sort: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Student], int]:
    """A page of the students the actor may see, with the total count."""
    query = select(Student)
    scope = student_scope(actor)
    if scope is not None:
        query = query.where(scope)
    if status is not None:
        query = query.where(Student.status == status)
    if guardian_id is not None:
        query = query.where(Student.guardian_id == guardian_id)
    if user_id is not None:
        query = query.where(Student.user_id == user_id)
    if name:
        pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(col(Student.personal_info)["name"].astext.ilike(pattern))
    return page(session, order_by(query, Student, sort, STUDENT_SORTS), limit, offset)


def get_student(session: Session, actor: Actor, student_id: UUID) -> Student:
    """One student the actor may see; 404 otherwise."""
    query = select(Student).where(Student.id == student_id)
    scope = student_scope(actor)
    if scope is not None:
        query = query.where(scope)
    student = session.exec(query).first()
    if student is None:
        raise NotFound("Student not found")
    return student


def update_student(session: Session, actor: Actor, student_id: UUID, data: StudentUpdate) -> Student:
    """Change a student record."""
    student = get_student(session, actor, student_id)
    require(actor, "students:manage")
    changes = data.model_dump(exclude_unset=True, mode="json", exclude_none=True)
    _check_links(session, data.user_id, data.guardian_id, student.id)
    for field in ("user_id", "guardian_id"):
        if field in data.model_fields_set:
            changes[field] = getattr(data, field)
    return apply_update(session, student, changes)


def delete_student(session: Session, actor: Actor, student_id: UUID) -> None:
    """Remove a student record and its attendance; refused while invoices reference it."""
    student = get_student(session, actor, student_id)
    require(actor, "students:manage")
    if session.exec(select(Invoice.id).where(Invoice.student_id == student.id)).first() is not None:
        raise Conflict("Student has invoices; mark them void or set the student inactive instead")
    session.delete(student)
    session.flush()
