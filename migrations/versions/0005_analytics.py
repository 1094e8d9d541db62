"""Analytics: KPI events, engagement and funnel steps under row-level security.

Revision ID: 0005_analytics
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0005_analytics"
down_revision = "0001_foundation"
branch_labels = ("analytics",)
depends_on = None

TABLES = ("kpi_events", "engagement", "funnel_steps")


def _base() -> list[sa.Column]:
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "kpi_events", *_base(),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("source", sa.String(60), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("tags", JSONB, nullable=False, server_default="{}"),
        sa.Column("properties", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_kpi_events_tenant_type_time", "kpi_events", ["tenant_id", "event_type", "timestamp"])
    op.create_index("ix_kpi_events_user_time", "kpi_events", ["user_id", "timestamp"])

    op.create_table(
        "engagement", *_base(),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("course_id", UUID(as_uuid=True), nullable=False),
        sa.Column("time_spent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("activity_score", sa.Float, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("tenant_id", "user_id", "course_id", name="uq_engagement_user_course"),
        sa.CheckConstraint("time_spent >= 0", name="ck_engagement_time_spent"),
    )
    op.create_index("ix_engagement_tenant_updated", "engagement", ["tenant_id", "updated_at"])
    op.create_index("ix_engagement_tenant_course", "engagement", ["tenant_id", "course_id"])

    op.create_table(
        "funnel_steps", *_base(),
        sa.Column("lead_id", UUID(as_uuid=True), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("time_taken", sa.Integer, nullable=False, server_default="0"),
        sa.Column("conversion_flag", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("time_taken >= 0", name="ck_funnel_steps_time_taken"),
    )
    op.create_index("ix_funnel_steps_tenant_time", "funnel_steps", ["tenant_id", "occurred_at"])
    op.create_index("ix_funnel_steps_lead", "funnel_steps", ["lead_id"])
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
