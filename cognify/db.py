"""Database engines and tenant-scoped sessions.

Two engines: the owner engine (the `DATABASE_URL` role; runs migrations and platform-level
operations such as creating tenants) and the app engine (a role without BYPASSRLS that owns
nothing). Every transaction the app engine's sessions begin sets `app.tenant_id` and
`app.user_id` with `set_config(..., true)`, the parameterised form of `SET LOCAL`, so it lives
exactly as long as the transaction and row-level security sees one tenant or none.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from cognify.errors import ConfigurationError
from cognify.settings import get_settings


def psycopg_url(url: str) -> URL:
    """Parse a PostgreSQL URL and make it use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigurationError(f"DATABASE_URL must be a PostgreSQL URL, got {parsed.drivername}")
    return parsed.set(drivername="postgresql+psycopg")


def owner_url() -> URL:
    """The owner (migration) role's URL."""
    settings = get_settings()
    if not settings.database_url:
        raise ConfigurationError("DATABASE_URL is not set (cognify up sets it for you)")
    return psycopg_url(settings.database_url)


def migration_url() -> URL:
    """Where migrations connect: PostgreSQL itself (DATABASE_DIRECT_URL) when a pooler is in front."""
    direct = get_settings().database_direct_url
    return psycopg_url(direct) if direct else owner_url()


def connect_args() -> dict[str, Any]:
    """psycopg options: behind a transaction pooler, no prepared statements (the next transaction of
    the same client may run on another server connection, which never saw them)."""
    return {"prepare_threshold": None} if get_settings().database_pooled else {}


def app_url() -> URL:
    """The application role's URL: explicit, or the owner URL with the app role's credentials."""
    settings = get_settings()
    if settings.app_database_url:
        return psycopg_url(settings.app_database_url)
    return owner_url().set(
        username=settings.app_db_role, password=settings.app_db_password or None
    )


@lru_cache
def owner_engine() -> Engine:
    """Engine for migrations and platform operations (bypasses RLS as table owner)."""
    return create_engine(owner_url(), pool_pre_ping=True, pool_size=2, max_overflow=4,
                         connect_args=connect_args())


@lru_cache
def app_engine() -> Engine:
    """Engine for requests and tasks: connects as the RLS-bound application role."""
    return create_engine(app_url(), pool_pre_ping=True, pool_size=10, max_overflow=20,
                         connect_args=connect_args())


class TenantSession(Session):
    """A session whose every transaction is scoped to one tenant (or to none)."""

    def __init__(
        self, bind: Engine, tenant_id: UUID | None, user_id: UUID | None = None, **kw: Any
    ) -> None:
        super().__init__(bind=bind, expire_on_commit=False, **kw)
        self.info["tenant_id"] = tenant_id
        self.info["user_id"] = user_id

    @property
    def tenant_id(self) -> UUID | None:
        """The tenant this session is scoped to."""
        return self.info["tenant_id"]

    @property
    def user_id(self) -> UUID | None:
        """The acting user, if any."""
        return self.info["user_id"]


@event.listens_for(TenantSession, "after_begin")
def _scope_transaction(session: Session, transaction: Any, connection: Any) -> None:
    """Set the tenant and user for the transaction that just began."""
    tenant = session.info.get("tenant_id")
    user = session.info.get("user_id")
    connection.exec_driver_sql(
        "SELECT set_config('app.tenant_id', %s, true), set_config('app.user_id', %s, true)",
        (str(tenant) if tenant else "", str(user) if user else ""),
    )


@contextmanager
def tenant_session(tenant_id: UUID | None, user_id: UUID | None = None) -> Iterator[TenantSession]:
    """One unit of work as the app role, scoped to a tenant; commits on success."""
    with TenantSession(app_engine(), tenant_id, user_id) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def owner_session() -> Iterator[Session]:
    """One unit of work as the owner role, for platform operations; commits on success."""
    with Session(owner_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def tenant_ids(active_only: bool = False) -> list[UUID]:
    """Every tenant's id, for beat tasks that visit each tenant (platform operation)."""
    query = "SELECT id FROM tenants" + (" WHERE is_active" if active_only else "") + " ORDER BY created_at"
    with owner_engine().connect() as conn:
        return list(conn.exec_driver_sql(query).scalars())


def dispose_engines() -> None:
    """Close pooled connections (tests and shutdown)."""
    for factory in (owner_engine, app_engine):
        if factory.cache_info().currsize:
            factory().dispose()
        factory.cache_clear()
