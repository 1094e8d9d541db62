"""Users and sign-in. Services take the session and the acting subject first; they never commit."""

from uuid import UUID

from sqlalchemy import func
from sqlmodel import Session, col, select

from cognify.db import TenantSession
from cognify.errors import Conflict, Forbidden, NotFound, Unauthorized
from cognify.security import (
    Actor,
    Role,
    TokenClaims,
    create_access_token,
    hash_password,
    permissions_for,
    verify_password,
)
from domain.identity.models import Token, User, UserCreate, UserUpdate
from domain.tenancy.models import Tenant

_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")
BAD_LOGIN = "Incorrect email, password or tenant"


def authenticate(session: TenantSession, email: str, password: str) -> Token:
    """A token for valid credentials in the session's tenant; the same error for every failure."""
    if session.tenant_id is None:
        verify_password(_DUMMY_HASH, password)
        raise Unauthorized(BAD_LOGIN, code="invalid_credentials")
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    ok = verify_password(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    if not (user and ok and user.is_active):
        raise Unauthorized(BAD_LOGIN, code="invalid_credentials")
    token, expires_in = create_access_token(TokenClaims(user.id, user.tenant_id, user.role))
    return Token(access_token=token, expires_in=expires_in)


def load_actor(session: TenantSession, claims: TokenClaims) -> Actor:
    """The actor a verified token names, if the user still exists and is active."""
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active or user.tenant_id != claims.tenant_id:
        raise Unauthorized("User is disabled or no longer exists", code="invalid_token")
    tenant = session.get(Tenant, claims.tenant_id)
    if tenant is None or not tenant.is_active:
        raise Unauthorized("Tenant is disabled", code="invalid_token")
    overrides = tenant.customizations.get("role_permissions")
    return Actor(user.id, user.tenant_id, user.role, permissions_for(user.role, overrides), user.email)


def _require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise Forbidden(f"Missing permission '{permission}'")


def _guard_owner(actor: Actor, role: Role | None) -> None:
    """Only owners create, promote to, or manage owners."""
    if role == Role.owner and not actor.can("owners:manage"):
        raise Forbidden("Only an owner can create or manage owners")


def create_user(session: TenantSession, actor: Actor | None, data: UserCreate) -> User:
    """A new user in the session's tenant; `actor=None` is a platform operation (CLI)."""
    if actor is not None:
        _require(actor, "users:manage")
        _guard_owner(actor, data.role)
    email = data.email.strip().lower()
    if session.exec(select(User.id).where(User.email == email)).first():
        raise Conflict(f"A user with email '{email}' already exists", code="email_taken")
    user = User(
        tenant_id=session.tenant_id, email=email, full_name=data.full_name, role=data.role,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    return user


def list_users(
    session: Session, actor: Actor, *, role: Role | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[User], int]:
    """A page of the tenant's users, newest first, with the total count."""
    _require(actor, "users:read")
    query = select(User)
    if role:
        query = query.where(User.role == role)
    count = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(User.created_at).desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), count


def get_user(session: Session, actor: Actor, user_id: UUID) -> User:
    """One user; 404 when absent or of another tenant (RLS hides it)."""
    if user_id != actor.user_id:
        _require(actor, "users:read")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


def update_user(session: Session, actor: Actor, user_id: UUID, data: UserUpdate) -> User:
    """Change a user's name, role, status or password."""
    _require(actor, "users:manage")
    user = get_user(session, actor, user_id)
    changes = data.model_dump(exclude_unset=True)
    _guard_owner(actor, user.role)
    _guard_owner(actor, changes.get("role"))
    if user.id == actor.user_id and ("role" in changes or changes.get("is_active") is False):
        raise Forbidden("You cannot change your own role or disable yourself")
    if "password" in changes:
        user.password_hash = hash_password(changes.pop("password"))
    for field, value in changes.items():
        setattr(user, field, value)
    user.updated_at = func.now()
    session.add(user)
    session.flush()
    session.refresh(user)
    return user


def delete_user(session: Session, actor: Actor, user_id: UUID) -> None:
    """Remove a user."""
    _require(actor, "users:manage")
    user = get_user(session, actor, user_id)
    _guard_owner(actor, user.role)
    if user.id == actor.user_id:
        raise Forbidden("You cannot delete yourself")
    session.delete(user)
    session.flush()
