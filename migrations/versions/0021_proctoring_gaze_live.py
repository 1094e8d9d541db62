"""Proctoring: gaze angles on frame signals, proctor notes, and sessions a proctor ended for cause.

Revision ID: 0021_proctoring_gaze_live
Revises: 0020_proctoring_identity
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0021_proctoring_gaze_live"
down_revision = "0020_proctoring_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("proctoring_frame_signals", sa.Column("gaze_yaw", sa.Float))
    op.add_column("proctoring_frame_signals", sa.Column("gaze_pitch", sa.Float))
    op.add_column("proctoring_sessions", sa.Column(
        "ended_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")))
    op.add_column("proctoring_sessions", sa.Column("ended_reason", sa.String(2000)))
    op.create_table(
        "proctoring_notes",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("session_id", UUID(as_uuid=True), sa.ForeignKey("proctoring_sessions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("author_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("t", sa.Float),
        sa.Column("body", sa.String(5000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("length(body) > 0", name="ck_proctoring_notes_body"),
    )
    enable_tenant_rls("proctoring_notes")


def downgrade() -> None:
    disable_tenant_rls("proctoring_notes")
    op.drop_table("proctoring_notes")
    op.drop_column("proctoring_sessions", "ended_reason")
    op.drop_column("proctoring_sessions", "ended_by")
    op.drop_column("proctoring_frame_signals", "gaze_pitch")
    op.drop_column("proctoring_frame_signals", "gaze_yaw")
