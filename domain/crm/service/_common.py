"""Helpers every CRM service shares: permission checks and same-tenant references."""

from uuid import UUID

from sqlmodel import Session, select

from cognify.errors import Forbidden, ValidationFailed
from cognify.security import Actor
from domain.identity.models import User


def require(actor: Actor | None, permission: str) -> None:
    """Refuse an actor lacking the permission; `None` is a platform operation (seed, tasks)."""
    if actor is not None and not actor.can(permission):
        raise Forbidden(f"Missing permission '{permission}'")


def check_user(session: Session, field: str, user_id: UUID | None) -> None:
    """422 naming the field unless the user exists in this tenant (RLS hides other tenants')."""
    if user_id is not None and session.exec(select(User.id).where(User.id == user_id)).first() is None:
        raise ValidationFailed(f"{field}: no such user", details={"field": field})


def like_pattern(text: str) -> str:
    """A case-folded `%text%` pattern with LIKE wildcards escaped."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
