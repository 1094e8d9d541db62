"""Privacy: legal holds on a user or a record, which stop retention purges and erasure.

Revision ID: 0017_legal_holds
Revises: 0016_record_access_log
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0017_legal_holds"
down_revision = "0016_record_access_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True),
        sa.Column("record_type", sa.String(40)),
        sa.Column("record_id", UUID(as_uuid=True), index=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("placed_by", UUID(as_uuid=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True)),
        sa.Column("released_by", UUID(as_uuid=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("(user_id IS NULL) <> (record_type IS NULL AND record_id IS NULL)",
                           name="ck_legal_holds_one_subject"),
    )
    enable_tenant_rls("legal_holds")


def downgrade() -> None:
    disable_tenant_rls("legal_holds")
    op.drop_table("legal_holds")
