"""Privacy: consent records per user and purpose, append-only for the application, under row-level security.

Revision ID: 0014_consents
Revises: 0013_privacy_erasure
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls

revision = "0014_consents"
down_revision = "0013_privacy_erasure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("text_version", sa.String(40), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("recorded_by", UUID(as_uuid=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("purpose IN ('ai_tutor', 'proctoring_recording', 'marketing_email', "
                           "'guardian_consent')", name="ck_consents_purpose"),
    )
    enable_tenant_rls("consents")
    op.execute(f"REVOKE UPDATE, DELETE ON consents FROM {app_role()}")


def downgrade() -> None:
    disable_tenant_rls("consents")
    op.drop_table("consents")
