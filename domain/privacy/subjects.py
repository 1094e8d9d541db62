"""Who may act for a data subject: an admin for anyone in the tenant, a user for themselves, a parent
for their child (`students.guardian_id`)."""

from uuid import UUID

from sqlmodel import Session, select

from cognify.security import Actor, Role
from domain.sis.models import Student


def is_guardian(session: Session, actor: Actor, subject_id: UUID) -> bool:
    """Whether the actor is a parent whose child is the subject."""
    found = session.exec(select(Student.id).where(
        Student.user_id == subject_id, Student.guardian_id == actor.user_id)).first()
    return actor.role == Role.parent and found is not None


def may_act_for(session: Session, actor: Actor, subject_id: UUID) -> bool:
    """Admins for anyone in their tenant, a user for themselves, a parent for their child."""
    if actor.can("privacy:manage") or actor.user_id == subject_id:
        return True
    return is_guardian(session, actor, subject_id)
