"""Residency tests: a second embedded PostgreSQL serves region `eu`; `us` is the home database.

The regions are configured for this package's tests only (the settings object is shared by the test
process, and put back afterwards). Tasks run in-process here: the session's Celery worker was started
without regions.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Regions:
    """The two regions: their owner URLs and storage directories, and the home store's directory."""

    eu_url: str
    us_url: str
    eu_dir: Path
    us_dir: Path
    home_dir: Path


@pytest.fixture(scope="module")
def regions(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Regions]:
    from cognify import dbadmin
    from cognify.db import dispose_engines
    from cognify.embedded import EmbeddedPostgres
    from cognify.settings import RegionConfig, get_settings
    from cognify.storage import get_store

    root = tmp_path_factory.mktemp("regions")
    eu_pg = EmbeddedPostgres(root / "pg-eu", delete_on_stop=True)
    eu_url = eu_pg.start()
    settings = get_settings()
    found = Regions(eu_url, services["database_url"], root / "eu-files", root / "us-files",
                    settings.media_dir)
    settings.regions = {"eu": RegionConfig(database_url=eu_url, storage_dir=found.eu_dir),
                        "us": RegionConfig(database_url=found.us_url, storage_dir=found.us_dir)}
    dispose_engines()
    get_store.cache_clear()
    try:
        assert dbadmin.upgrade() == ["home", "eu"]
        yield found
    finally:
        settings.regions = {}
        dispose_engines()
        get_store.cache_clear()
        eu_pg.stop()
