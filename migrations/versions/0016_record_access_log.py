"""Privacy: who read a student's education record (FERPA), append-only for the application.

Revision ID: 0016_record_access_log
Revises: 0015_marketing_consent
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls

revision = "0016_record_access_log"
down_revision = "0015_marketing_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_access_log",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("student_user_id", UUID(as_uuid=True), index=True),
        sa.Column("student_record_id", UUID(as_uuid=True), index=True),
        sa.Column("record_type", sa.String(40), nullable=False),
        sa.Column("record_id", UUID(as_uuid=True)),
        sa.Column("accessor_id", UUID(as_uuid=True), nullable=False),
        sa.Column("accessor_role", sa.String(20), nullable=False),
        sa.Column("via", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    enable_tenant_rls("record_access_log")
    op.execute(f"REVOKE UPDATE, DELETE ON record_access_log FROM {app_role()}")


def downgrade() -> None:
    disable_tenant_rls("record_access_log")
    op.drop_table("record_access_log")
