"""Signing in with a password, throttled per account and per client address (API and console alike).

A name over its limit answers the same whether the account exists, the password is right or wrong:
the password is not even checked until the window admits again or an admin unlocks the account.
"""

from uuid import UUID

from cognify import throttle
from cognify.db import TenantSession, tenant_session
from cognify.security import Actor
from cognify.settings import get_settings
from cognify.throttle import Window
from domain.identity import service
from domain.identity.models import SignInLock, Token, User
from domain.tenancy.flows import resolve_tenant
from domain.tenancy.models import Tenant


def account_window(tenant: str, email: str) -> Window:
    """The failures of one sign-in name in one tenant."""
    settings = get_settings()
    return Window(throttle.account_key(tenant, email), settings.login_failures_per_account,
                  settings.throttle_window_s)


def sign_in(tenant: str, email: str, password: str, address: str) -> Token:
    """A token for valid credentials; 401 `invalid_credentials` otherwise, 429 over a limit."""
    settings = get_settings()
    account = account_window(tenant, email)
    by_address = Window(throttle.address_key("login", address), settings.login_failures_per_address,
                        settings.throttle_window_s)
    with throttle.guarded([account, by_address]) as attempt:
        tenant_id = resolve_tenant(tenant.strip().lower())
        with tenant_session(tenant_id) as session:
            token = service.authenticate(session, email, password)
        attempt.succeeded(clear=(account.key,))
    return token


def _user_window(session: TenantSession, actor: Actor, user_id: UUID) -> Window:
    user: User = service.get_user(session, actor, user_id)
    tenant = session.get(Tenant, user.tenant_id)
    return account_window(tenant.slug if tenant else "", user.email)


def lock_state(session: TenantSession, actor: Actor, user_id: UUID) -> SignInLock:
    """Whether a user's sign-in is locked now, its failures in the window, and when it opens."""
    count, retry_after = throttle.failures(_user_window(session, actor, user_id))
    return SignInLock(locked=retry_after is not None, failures=count, retry_after=retry_after)


def unlock(session: TenantSession, actor: Actor, user_id: UUID) -> None:
    """Forget a user's failed sign-ins (the address windows stay as they are)."""
    throttle.clear(_user_window(session, actor, user_id).key)
