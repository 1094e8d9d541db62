"""Residency: which database and object store hold each tenant's data.

`COGNIFY_REGIONS` maps a region to a database and a store. The tenant directory (`tenant_directory`:
id, slug, region) in the home database (`DATABASE_URL`) is the only table shared by all tenants; every
tenant-scoped session opens in its tenant's region, so an eu tenant's rows and files exist only in the
eu database and store. Tenants whose region is not listed, and every tenant when nothing is listed,
live in the home database. The directory records where each tenant's data was placed at creation (not
its AI region), so tenants that existed before COGNIFY_REGIONS stay in the home database; placement
never changes afterwards, so lookups are cached.
"""

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text

from cognify.errors import ConfigurationError, ValidationFailed
from cognify.settings import RegionConfig, get_settings

Region = str | None  # None: the home database and store
_by_tenant: dict[UUID, Region] = {}


def configured() -> dict[str, RegionConfig]:
    """The regions with data of their own (empty: one database serves every region)."""
    return get_settings().regions


def placement(region: str | None) -> Region:
    """Where a tenant of this region keeps its data; 422 `region_unavailable` for a region that has no
    database while others do (its data may not land elsewhere)."""
    regions = configured()
    if not regions or region is None:
        return None
    if region not in regions:
        raise ValidationFailed(f"Region '{region}' has no database here; choose one of {sorted(regions)}",
                               code="region_unavailable", details={"regions": sorted(regions)})
    return region


def region_of(tenant_id: UUID) -> Region:
    """The region holding a tenant's data (None: the home database); an unknown tenant is home's."""
    if not configured():
        return None
    if tenant_id not in _by_tenant:
        from cognify.db import app_engine

        with app_engine(None).connect() as conn:
            row = conn.execute(text("SELECT region FROM tenant_directory WHERE id = :t"),
                               {"t": tenant_id}).first()
        if row is None:
            return None
        _by_tenant[tenant_id] = _configured(row.region)
    return _by_tenant[tenant_id]


def _configured(region: str | None) -> Region:
    """A placement from the directory, which COGNIFY_REGIONS must still name."""
    if region is not None and region not in configured():
        raise ConfigurationError(f"a tenant's data lives in region '{region}', which COGNIFY_REGIONS "
                                 "no longer names; add it back")
    return region


@dataclass(frozen=True)
class Listing:
    """A tenant as the directory knows it."""

    tenant_id: UUID
    region: Region


def find_slug(slug: str) -> Listing | None:
    """A tenant's id and data region by slug, from the directory."""
    from cognify.db import app_engine

    with app_engine(None).connect() as conn:
        row = conn.execute(text("SELECT id, region FROM tenant_directory WHERE slug = :s"),
                           {"s": slug}).first()
    if row is None:
        return None
    region = _configured(row.region)
    _by_tenant[row.id] = region
    return Listing(row.id, region)


def databases() -> list[Region]:
    """Every distinct database: home first, then each region with a database of its own."""
    from cognify.db import owner_url

    seen = {owner_url(None).render_as_string()}
    found: list[Region] = [None]
    for name in sorted(configured()):
        url = owner_url(name).render_as_string()
        if url not in seen:
            seen.add(url)
            found.append(name)
    return found


def forget() -> None:
    """Drop cached lookups (tests that change COGNIFY_REGIONS)."""
    _by_tenant.clear()
