"""Row-level security DDL used by migrations: one policy shape for every tenant table."""

from alembic import op

from cognify.settings import get_settings


def app_role() -> str:
    """The application role's name (validated: it is interpolated into DDL)."""
    role = get_settings().app_db_role
    if not role.replace("_", "").isalnum():
        raise ValueError(f"COGNIFY_APP_DB_ROLE must be alphanumeric/underscore, got {role!r}")
    return role


def enable_tenant_rls(table: str, column: str = "tenant_id") -> None:
    """Isolate a table by tenant: reads and writes see only the transaction's tenant."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({column} = cognify_current_tenant()) "
        f"WITH CHECK ({column} = cognify_current_tenant())"
    )


def disable_tenant_rls(table: str) -> None:
    """Undo enable_tenant_rls."""
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
