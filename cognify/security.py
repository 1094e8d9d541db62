"""Security primitives: argon2 password hashes, JWT access tokens, roles and permissions."""

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cognify.errors import Unauthorized
from cognify.settings import get_settings

JWT_ALGORITHM = "HS256"
_hasher = PasswordHasher()


class Role(enum.StrEnum):
    """User roles, least to most privileged among staff."""

    student = "student"
    parent = "parent"
    teacher = "teacher"
    admin = "admin"
    owner = "owner"


STAFF_ROLES = frozenset({Role.teacher, Role.admin, Role.owner})

_EVERYONE = {"profile:read", "courses:read"}
_STAFF = _EVERYONE | {
    "courses:manage", "assessments:manage", "students:read", "attendance:manage",
    "analytics:read", "agents:copilot", "gateway:use", "proctor",
}
_ADMIN = _STAFF | {
    "users:read", "users:manage", "crm:read", "crm:manage", "sales", "campaigns:launch",
    "students:manage", "finance:read", "finance:manage", "workflows:manage", "gateway:manage",
    "audit:read", "tenant:manage", "privacy:manage",
}

ROLE_PERMISSIONS: Mapping[Role, frozenset[str]] = {
    Role.student: frozenset(_EVERYONE | {"assessments:take", "agents:tutor", "gateway:use"}),
    Role.parent: frozenset(_EVERYONE | {"children:read"}),
    Role.teacher: frozenset(_STAFF),
    Role.admin: frozenset(_ADMIN),
    Role.owner: frozenset(_ADMIN | {"owners:manage"}),
}
ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


def permissions_for(role: Role, overrides: Mapping[str, Any] | None = None) -> frozenset[str]:
    """A role's permissions, with a tenant's `{"role": {"grant": [...], "revoke": [...]}}`."""
    granted = set(ROLE_PERMISSIONS[role])
    override = (overrides or {}).get(role.value) or {}
    granted |= set(override.get("grant", ())) & ALL_PERMISSIONS
    granted -= set(override.get("revoke", ()))
    return frozenset(granted)


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash; never raises on a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    """What an access token says about its bearer."""

    user_id: UUID
    tenant_id: UUID
    role: Role


def create_access_token(claims: TokenClaims, minutes: int | None = None) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    settings = get_settings()
    lifetime = timedelta(minutes=minutes or settings.access_token_minutes)
    now = datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id), "tenant_id": str(claims.tenant_id), "role": claims.role.value,
        "iat": now, "exp": now + lifetime, "typ": "access",
    }
    token = jwt.encode(payload, settings.secret_key, algorithm=JWT_ALGORITHM)
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str) -> TokenClaims:
    """Verify signature and expiry; the claims, or Unauthorized."""
    try:
        payload = jwt.decode(
            token, get_settings().secret_key, algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "tenant_id", "role", "exp"]},
        )
        if payload.get("typ") != "access":
            raise Unauthorized("Not an access token")
        return TokenClaims(UUID(payload["sub"]), UUID(payload["tenant_id"]), Role(payload["role"]))
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Token has expired", code="token_expired") from exc
    except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
        raise Unauthorized("Invalid token", code="invalid_token") from exc


def has_all(granted: Iterable[str], required: Iterable[str]) -> bool:
    """Whether every required permission is granted."""
    return set(required) <= set(granted)


@dataclass(frozen=True)
class Actor:
    """Who is acting: from a verified token or a task's arguments, never from user input."""

    user_id: UUID
    tenant_id: UUID
    role: Role
    permissions: frozenset[str]
    email: str = ""

    @property
    def is_staff(self) -> bool:
        """Teacher, admin or owner."""
        return self.role in STAFF_ROLES

    def can(self, *permissions: str) -> bool:
        """Whether the actor holds every permission named."""
        return has_all(self.permissions, permissions)
