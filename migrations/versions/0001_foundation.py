"""Foundation: pgvector, the application role, tenants and users under row-level security.

Revision ID: 0001_foundation
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls
from cognify.settings import get_settings

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                      server_default=sa.func.now())]


def _create_app_role(role: str) -> None:
    op.execute(
        f"""DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          END IF;
        END $$"""
    )
    password = get_settings().app_db_password
    if password:
        quoted = op.get_bind().exec_driver_sql("SELECT quote_literal(%s)", (password,)).scalar()
        op.execute(f"ALTER ROLE {role} PASSWORD {quoted}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {role}', "
               "current_database()); END $$")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
               f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")


def upgrade() -> None:
    role = app_role()
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(
        "CREATE OR REPLACE FUNCTION cognify_current_tenant() RETURNS uuid LANGUAGE sql STABLE "
        "AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION cognify_current_user() RETURNS uuid LANGUAGE sql STABLE "
        "AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$"
    )
    _create_app_role(role)

    op.create_table(
        "tenants",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(63), nullable=False, unique=True),
        sa.Column("plan", sa.String(40), nullable=False, server_default="free"),
        sa.Column("region", sa.String(40)),
        sa.Column("customizations", JSONB, nullable=False, server_default="{}"),
        sa.Column("theme", JSONB, nullable=False, server_default="{}"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_timestamps(),
    )
    op.execute("ALTER TABLE tenants ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY tenant_self ON tenants USING (id = cognify_current_tenant())")
    op.execute(f"REVOKE INSERT, DELETE ON tenants FROM {role}")
    op.execute(
        "CREATE OR REPLACE FUNCTION cognify_tenant_id(p_slug text) RETURNS uuid "
        "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public "
        "AS $$ SELECT id FROM tenants WHERE slug = p_slug AND is_active $$"
    )
    op.execute("REVOKE ALL ON FUNCTION cognify_tenant_id(text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION cognify_tenant_id(text) TO {role}")

    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("login_type", sa.String(20), nullable=False, server_default="password"),
        sa.Column("password_hash", sa.String),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_timestamps(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
        sa.CheckConstraint("role IN ('student','parent','teacher','admin','owner')",
                           name="ck_users_role"),
    )
    enable_tenant_rls("users")


def downgrade() -> None:
    disable_tenant_rls("users")
    op.drop_table("users")
    op.execute("DROP FUNCTION IF EXISTS cognify_tenant_id(text)")
    op.drop_table("tenants")
    op.execute("DROP FUNCTION IF EXISTS cognify_current_user()")
    op.execute("DROP FUNCTION IF EXISTS cognify_current_tenant()")
