"""Database administration: migrations to head."""

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    """The project's Alembic configuration."""
    return Config(str(ROOT / "alembic.ini"))


def upgrade() -> None:
    """Apply every migration (all branch heads) as the owner role."""
    command.upgrade(alembic_config(), "heads")
