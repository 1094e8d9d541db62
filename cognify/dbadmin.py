"""Database administration: migrations to head, on every region's database."""

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    """The project's Alembic configuration."""
    return Config(str(ROOT / "alembic.ini"))


def upgrade() -> list[str]:
    """Apply every migration (all branch heads) as the owner role, on the home database and on each
    region's own database; the databases migrated, by region (`home` first)."""
    from cognify.regions import databases

    done = []
    for region in databases():
        config = alembic_config()
        config.attributes["region"] = region
        command.upgrade(config, "heads")
        done.append(region or "home")
    return done
