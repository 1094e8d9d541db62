"""Residency: the tenant directory (id, slug, region), the one table every region shares.

It lives in the home database (DATABASE_URL); regional databases get the table too, empty. `region`
is where the tenant's data lives (NULL: the home database), so every tenant that exists now is listed
with NULL: configuring regions later does not move, or lose, anyone's data. The application role may
read it (sign-in resolves a slug to a tenant and its data's region) but not change it.

Revision ID: 0018_tenant_directory
Revises: 0017_legal_holds
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import app_role

revision = "0018_tenant_directory"
down_revision = "0017_legal_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_directory",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("slug", sa.String(63), nullable=False, unique=True),
        sa.Column("region", sa.String(40)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.execute("INSERT INTO tenant_directory (id, slug, created_at) SELECT id, slug, created_at FROM tenants")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tenant_directory FROM {app_role()}")
    op.execute(f"GRANT SELECT ON tenant_directory TO {app_role()}")


def downgrade() -> None:
    op.drop_table("tenant_directory")
