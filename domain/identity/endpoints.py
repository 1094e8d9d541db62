"""Auth and user endpoints."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request, Response, status

from cognify.api import PageDep, SessionDep
from cognify.errors import ValidationFailed
from cognify.security import Actor, Role
from cognify.throttle import client_address
from domain.identity import service, signin
from domain.identity.deps import CurrentActor, require
from domain.identity.models import (
    Me,
    SignInLock,
    Token,
    User,
    UserCreate,
    UserPublic,
    UsersPublic,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["identity"])
Admin = Annotated[Actor, Depends(require("users:manage"))]


@router.post("/auth/token", response_model=Token)
def issue_token(
    request: Request,
    username: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    tenant: Annotated[str | None, Form(max_length=63, description="The tenant's slug")] = None,
    client_id: Annotated[str | None, Form(max_length=63, description="The tenant's slug, when `tenant` "
                                          "is not sent (OAuth2 clients such as `/docs`)")] = None,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> Token:
    """Exchange email, password and tenant slug for a bearer token.

    Failures are throttled per account and per client address: over the limit, 429
    `too_many_attempts` with `Retry-After`, whatever the password.
    """
    slug = tenant or client_id
    if not slug:
        raise ValidationFailed("tenant: field required (or send the slug as client_id)",
                               details=[{"field": "tenant", "message": "field required"}])
    return signin.sign_in(slug, username, password, client_address(request))


@router.get("/me", response_model=Me)
def read_me(session: SessionDep, actor: CurrentActor) -> Me:
    """The caller and their permissions."""
    user = service.get_user(session, actor, actor.user_id)
    return Me.model_validate(user, update={"permissions": sorted(actor.permissions)})


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(session: SessionDep, actor: Admin, body: UserCreate) -> User:
    """Create a user in the caller's tenant."""
    return service.create_user(session, actor, body)


@router.get("/users", response_model=UsersPublic)
def list_users(
    session: SessionDep, actor: CurrentActor, page: PageDep, role: Role | None = None
) -> UsersPublic:
    """List the tenant's users."""
    rows, count = service.list_users(
        session, actor, role=role, limit=page.limit, offset=page.offset
    )
    return UsersPublic(data=[UserPublic.model_validate(u) for u in rows], count=count)


@router.get("/users/{user_id}", response_model=UserPublic)
def read_user(session: SessionDep, actor: CurrentActor, user_id: UUID) -> User:
    """One user."""
    return service.get_user(session, actor, user_id)


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(session: SessionDep, actor: Admin, user_id: UUID, body: UserUpdate) -> User:
    """Change a user."""
    return service.update_user(session, actor, user_id, body)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(session: SessionDep, actor: Admin, user_id: UUID) -> Response:
    """Delete a user."""
    service.delete_user(session, actor, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)



@router.get("/users/{user_id}/sign-in-lock", response_model=SignInLock)
def read_sign_in_lock(session: SessionDep, actor: Admin, user_id: UUID) -> SignInLock:
    """Whether the user's sign-in is locked by failed attempts."""
    return signin.lock_state(session, actor, user_id)


@router.delete("/users/{user_id}/sign-in-lock", status_code=status.HTTP_204_NO_CONTENT)
def unlock_sign_in(session: SessionDep, actor: Admin, user_id: UUID) -> Response:
    """Forget the user's failed sign-ins, so they can sign in again at once."""
    signin.unlock(session, actor, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
