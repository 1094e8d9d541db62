"""Users: one identity per person per tenant; permissions derive from the role."""

import enum
from datetime import datetime
from uuid import UUID

from pydantic import ConfigDict, EmailStr
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from cognify.models import Patch, TenantScoped, timestamp_field
from cognify.security import Role


class LoginType(enum.StrEnum):
    """How a user signs in."""

    password = "password"


class UserBase(SQLModel):
    """Fields shared by every user shape."""

    email: EmailStr = Field(max_length=254)
    full_name: str = Field(default="", max_length=200)
    role: Role = Field(default=Role.student, max_length=20)


class UserCreate(UserBase):
    """A new user, as an admin submits it."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
    password: str = Field(min_length=8, max_length=256)


class UserUpdate(Patch):
    """A change to a user; every field optional."""

    full_name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=256)


class User(UserBase, TenantScoped, table=True):
    """A user row."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),)
    email: str = Field(max_length=254)
    login_type: LoginType = Field(default=LoginType.password, max_length=20)
    password_hash: str | None = None
    is_active: bool = True
    updated_at: datetime = timestamp_field()


class UserPublic(UserBase):
    """A user as the API shows it."""

    id: UUID
    tenant_id: UUID
    login_type: LoginType
    is_active: bool
    created_at: datetime


class UsersPublic(SQLModel):
    """A page of users."""

    data: list[UserPublic]
    count: int


class Me(UserPublic):
    """The caller, with their effective permissions."""

    permissions: list[str]


class Token(SQLModel):
    """An issued access token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class SignInLock(SQLModel):
    """A user's sign-in throttle: locked after too many failures until the window admits again."""

    locked: bool
    failures: int = Field(description="Failed sign-ins in the current window")
    retry_after: int | None = Field(default=None, description="Seconds until sign-in is admitted again")
