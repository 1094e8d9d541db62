"""Residency tests: a second embedded PostgreSQL serves region `eu`, a database of its own on the
session's server serves `us`, and the session's database is home (the directory only).

The regions are configured for this package's tests only (the settings object is shared by the test
process, and put back afterwards). Tasks run in-process here: the session's Celery worker was started
without regions, so no tenant of these tests may keep rows in the home database it sees.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from sqlalchemy.engine import make_url


@dataclass
class Tenant:
    """A tenant and its owner's sign-in."""

    id: UUID
    slug: str
    owner_email: str
    password: str


@dataclass
class Regions:
    """The two regions: their owner URLs and storage directories, and the home store's directory."""

    eu_url: str
    us_url: str
    home_url: str
    eu_dir: Path
    us_dir: Path
    home_dir: Path
    legacy: "Tenant"  # an eu tenant created before the regions were configured


@pytest.fixture(scope="module")
def make_module_tenant(services: dict[str, str]):
    """The session's `make_tenant`, for module fixtures."""
    from domain.identity.models import UserCreate
    from domain.tenancy.flows import provision_tenant
    from domain.tenancy.models import TenantCreate

    def make(region: str | None = None) -> Tenant:
        slug = f"t-{uuid.uuid4().hex[:10]}"
        email, password = f"owner@{slug}.example.com", "correct-horse-battery"
        tenant, owner = provision_tenant(TenantCreate(slug=slug, name=slug, region=region),
                                         UserCreate(email=email, password=password, role="owner"))
        return Tenant(tenant.id, slug, email, password)

    return make


@pytest.fixture(scope="module")
def regions(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
            make_module_tenant) -> Iterator[Regions]:
    from cognify import dbadmin
    from cognify.db import dispose_engines
    from cognify.embedded import EmbeddedPostgres
    from cognify.settings import RegionConfig, get_settings
    from cognify.storage import get_store

    legacy = make_module_tenant(region="eu")  # before COGNIFY_REGIONS: its data is in the home database
    root = tmp_path_factory.mktemp("regions")
    eu_pg = EmbeddedPostgres(root / "pg-eu", delete_on_stop=True)
    eu_url = eu_pg.start()
    settings = get_settings()
    home_url = services["database_url"]
    us_url = make_url(home_url).set(database=f"cognify_us_{uuid.uuid4().hex[:8]}")
    server = make_url(home_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{us_url.database}"')
    found = Regions(eu_url, us_url.render_as_string(hide_password=False), home_url, root / "eu-files",
                    root / "us-files", settings.media_dir, legacy)
    settings.regions = {"eu": RegionConfig(database_url=eu_url, storage_dir=found.eu_dir),
                        "us": RegionConfig(database_url=found.us_url, storage_dir=found.us_dir)}
    dispose_engines()
    get_store.cache_clear()
    try:
        assert dbadmin.upgrade() == ["home", "eu", "us"]
        yield found
    finally:
        settings.regions = {}
        dispose_engines()
        get_store.cache_clear()
        eu_pg.stop()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{us_url.database}" WITH (FORCE)')
