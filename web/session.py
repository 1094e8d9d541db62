"""Console sessions: the access token in a secure, http-only, SameSite=Lax cookie, and CSRF tokens."""

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from cognify.db import TenantSession, tenant_session
from cognify.errors import CognifyError, Forbidden, Unauthorized
from cognify.security import Actor, decode_access_token
from cognify.settings import get_settings
from domain.identity.models import User
from domain.identity.service import load_actor
from domain.tenancy.models import Tenant
from web.rendering import LoginRequired, theme_vars

SESSION_COOKIE = "cognify_session"
LOGIN_CSRF_COOKIE = "cognify_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class CsrfRejected(CognifyError):
    """A state-changing request without the session's CSRF token."""

    status_code = 403
    code = "csrf_failed"


def csrf_for(session_token: str) -> str:
    """The CSRF token bound to one session: an HMAC of the session cookie under the secret key."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    """Set a console cookie: secure, http-only, SameSite=Lax, scoped to /app."""
    response.set_cookie(name, value, max_age=max_age, path="/app", secure=True, httponly=True, samesite="lax")


def new_login_csrf() -> str:
    """A random double-submit token for the login form (there is no session yet)."""
    return secrets.token_urlsafe(32)


async def _submitted_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_login_csrf(request: Request) -> None:
    """Double-submit check for the login form: cookie and field must match."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, await _submitted_token(request)):
        raise CsrfRejected("The form expired; reload the page and try again")


@dataclass
class Visitor:
    """A signed-in console user: who they are, their tenant's look, and the page's CSRF token."""

    actor: Actor
    session: TenantSession
    name: str
    tenant_name: str
    theme: dict[str, str]
    csrf: str

    def page(self, **context: Any) -> dict[str, Any]:
        """Template context every console page shares."""
        return {"me": self, "theme": self.theme, "csrf": self.csrf, **context}


def _visitor(request: Request) -> Iterator[Visitor]:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        claims = decode_access_token(token)
    except Unauthorized as exc:
        raise LoginRequired from exc
    with tenant_session(claims.tenant_id, claims.user_id) as session:
        try:
            actor = load_actor(session, claims)
        except Unauthorized as exc:
            raise LoginRequired from exc
        user = session.get(User, actor.user_id)
        tenant = session.get(Tenant, actor.tenant_id)
        assert user is not None and tenant is not None
        display = tenant.customizations.get("display_name")
        yield Visitor(
            actor,
            session,
            user.full_name or user.email,
            display if isinstance(display, str) and display else tenant.name,
            theme_vars(tenant.theme),
            csrf_for(token),
        )


VisitorDep = Annotated[Visitor, Depends(_visitor, scope="function")]


async def _checked(request: Request, visitor: VisitorDep) -> Visitor:
    """The visitor, after the request's CSRF token matched their session's."""
    if not hmac.compare_digest(visitor.csrf, await _submitted_token(request)):
        raise CsrfRejected("Missing or wrong CSRF token; reload the page and try again")
    return visitor


PostingVisitor = Annotated[Visitor, Depends(_checked)]


def needs(*permissions: str) -> Any:
    """A dependency: the visitor, or a 403 page when they lack any of the permissions."""

    def check(visitor: VisitorDep) -> Visitor:
        missing = [p for p in permissions if not visitor.actor.can(p)]
        if missing:
            raise Forbidden(f"This page needs the '{missing[0]}' permission")
        return visitor

    return check


def needs_posting(*permissions: str) -> Any:
    """A dependency for POSTs: CSRF checked, then the permissions."""

    def check(visitor: PostingVisitor) -> Visitor:
        return needs(*permissions)(visitor)

    return check
