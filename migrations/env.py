"""Alembic environment: migrations run as the owner role, on DATABASE_DIRECT_URL or DATABASE_URL, or on
the database of the region `dbadmin.upgrade` passes in."""

from alembic import context
from sqlalchemy import create_engine, pool

from cognify.db import migration_url


def run_migrations() -> None:
    """Run migrations online against the owner URL (or a connection handed in)."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(migration_url(context.config.attributes.get("region")), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
