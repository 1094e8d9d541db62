"""Database engines and tenant-scoped sessions.

Two engines: the owner engine (the `DATABASE_URL` role; runs migrations and platform-level
operations such as creating tenants) and the app engine (a role without BYPASSRLS that owns
nothing). Every transaction the app engine's sessions begin sets `app.tenant_id` and
`app.user_id` with `set_config(..., true)`, the parameterised form of `SET LOCAL`, so it lives
exactly as long as the transaction and row-level security sees one tenant or none.
Each region with a database of its own (COGNIFY_REGIONS) has its pair of engines, and a tenant's
sessions open on its region's (`cognify/regions.py`).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from cognify.errors import ConfigurationError
from cognify.regions import databases, forget, region_of
from cognify.settings import get_settings


def psycopg_url(url: str) -> URL:
    """Parse a PostgreSQL URL and make it use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigurationError(f"DATABASE_URL must be a PostgreSQL URL, got {parsed.drivername}")
    return parsed.set(drivername="postgresql+psycopg")


def owner_url(region: str | None = None) -> URL:
    """The owner (migration) role's URL: the region's database, or DATABASE_URL (home)."""
    settings = get_settings()
    if region is not None and region in settings.regions:
        return psycopg_url(settings.regions[region].database_url)
    if not settings.database_url:
        raise ConfigurationError("DATABASE_URL is not set (cognify up sets it for you)")
    return psycopg_url(settings.database_url)


def migration_url(region: str | None = None) -> URL:
    """Where migrations connect: PostgreSQL itself (DATABASE_DIRECT_URL) when a pooler is in front."""
    direct = get_settings().database_direct_url
    return psycopg_url(direct) if direct and region is None else owner_url(region)


def connect_args() -> dict[str, Any]:
    """psycopg options: behind a transaction pooler, no prepared statements (the next transaction of
    the same client may run on another server connection, which never saw them)."""
    return {"prepare_threshold": None} if get_settings().database_pooled else {}


def app_url(region: str | None = None) -> URL:
    """The application role's URL: explicit, or the owner URL with the app role's credentials."""
    settings = get_settings()
    explicit = (settings.regions[region].app_database_url if region in settings.regions
                else settings.app_database_url)
    if explicit:
        return psycopg_url(explicit)
    return owner_url(region).set(
        username=settings.app_db_role, password=settings.app_db_password or None
    )


_engines: dict[tuple[str, str | None], Engine] = {}
_engines_lock = threading.Lock()


def _engine(role: str, region: str | None) -> Engine:
    key = (role, region)
    if key not in _engines:
        with _engines_lock:
            if key not in _engines:
                owner = role == "owner"
                url = owner_url(region) if owner else app_url(region)
                _engines[key] = create_engine(url, pool_pre_ping=True, pool_size=2 if owner else 10,
                                              max_overflow=4 if owner else 20, connect_args=connect_args())
    return _engines[key]


def owner_engine(region: str | None = None) -> Engine:
    """Engine for migrations and platform operations (bypasses RLS as table owner), per region."""
    return _engine("owner", region)


def app_engine(region: str | None = None) -> Engine:
    """Engine for requests and tasks: connects as the RLS-bound application role, per region."""
    return _engine("app", region)


def tenant_engine(tenant_id: UUID, owner: bool = False) -> Engine:
    """The engine of the database holding a tenant's data."""
    region = region_of(tenant_id)
    return owner_engine(region) if owner else app_engine(region)


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
def tenant_session(tenant_id: UUID | None, user_id: UUID | None = None, *,
                   region: str | None = None) -> Iterator[TenantSession]:
    """One unit of work as the app role, scoped to a tenant, in the tenant's region; commits on success.

    Without a tenant (lookups before one is known) it opens in `region`, by default home."""
    engine = tenant_engine(tenant_id) if tenant_id is not None else app_engine(region)
    with TenantSession(engine, tenant_id, user_id) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def owner_session(region: str | None = None) -> Iterator[Session]:
    """One unit of work as the owner role in one database, for platform operations; commits on success."""
    with Session(owner_engine(region), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def tenant_ids(active_only: bool = False) -> list[UUID]:
    """Every tenant's id in every region's database, for beat tasks that visit each tenant."""
    query = "SELECT id FROM tenants" + (" WHERE is_active" if active_only else "") + " ORDER BY created_at"
    found: list[UUID] = []
    for region in databases():
        with owner_engine(region).connect() as conn:
            found += conn.exec_driver_sql(query).scalars()
    return found


def dispose_engines() -> None:
    """Close pooled connections (tests and shutdown)."""
    with _engines_lock:
        while _engines:
            _engines.popitem()[1].dispose()
    forget()
