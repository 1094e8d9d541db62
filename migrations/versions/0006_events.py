"""Events: the transactional outbox, handler receipts, dead letters, webhook secrets, outbound
messages, campaign sends, and tenant workflow rules with their run log.

Revision ID: 0006_events
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0006_events"
down_revision = "0001_foundation"
branch_labels = ("events",)
depends_on = ("0003_crm",)

TABLES = ("outbox_events", "outbox_receipts", "dead_letters", "tenant_secrets", "outbound_messages",
          "campaign_sends", "workflows", "workflow_runs")


def _tenant(primary_key: bool = False) -> sa.Column:
    return sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                     nullable=False, index=not primary_key, primary_key=primary_key,
                     server_default=sa.text("cognify_current_tenant()"))


def _base() -> list[sa.Column]:
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True), _tenant(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True))


def upgrade() -> None:
    op.create_table(
        "outbox_events", *_base(),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("payload", JSONB, nullable=False, server_default="{}"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        _when("processed_at"),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_outbox_events_pending", "outbox_events", ["next_attempt_at"],
                    postgresql_where=sa.text("processed_at IS NULL"))
    op.create_table(
        "outbox_receipts",
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("handler", sa.String(120), primary_key=True), _tenant(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "dead_letters", *_base(),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("handler", sa.String(120), nullable=False),
        sa.Column("payload", JSONB, nullable=False, server_default="{}"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        _when("retried_at"), _when("resolved_at"),
        sa.UniqueConstraint("event_id", "handler", name="uq_dead_letters_event_handler"),
    )
    op.create_table(
        "tenant_secrets", _tenant(primary_key=True),
        sa.Column("webhook_secret", sa.String(200), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "outbound_messages", *_base(),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("backend", sa.String(40)),
        sa.Column("error", sa.Text),
        sa.Column("lead_id", UUID(as_uuid=True), sa.ForeignKey("leads.id", ondelete="SET NULL")),
        _when("sent_at"),
    )
    op.create_table(
        "campaign_sends", *_base(),
        sa.Column("campaign_id", UUID(as_uuid=True), sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("lead_id", UUID(as_uuid=True), sa.ForeignKey("leads.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("message_id", UUID(as_uuid=True),
                  sa.ForeignKey("outbound_messages.id", ondelete="SET NULL")),
        sa.UniqueConstraint("campaign_id", "lead_id", name="uq_campaign_sends_campaign_lead"),
    )
    op.create_table(
        "workflows", *_base(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("trigger_event", sa.String(80)),
        sa.Column("schedule_minutes", sa.Integer),
        sa.Column("condition", sa.Text, nullable=False, server_default=""),
        sa.Column("actions", JSONB, nullable=False, server_default="[]"),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("default_key", sa.String(60)),
        _when("last_evaluated_at"),
        sa.Column("created_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("tenant_id", "default_key", name="uq_workflows_default_key"),
        sa.CheckConstraint("(trigger_event IS NULL) <> (schedule_minutes IS NULL)",
                           name="ck_workflows_one_trigger"),
    )
    op.create_index("ix_workflows_trigger", "workflows", ["tenant_id", "trigger_event"])
    op.create_table(
        "workflow_runs", *_base(),
        sa.Column("workflow_id", UUID(as_uuid=True), sa.ForeignKey("workflows.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("subject_id", UUID(as_uuid=True), nullable=False),
        sa.Column("spell", sa.String(120), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("results", JSONB, nullable=False, server_default="[]"),
        sa.Column("error", sa.Text),
    )
    op.create_index("uq_workflow_runs_fired", "workflow_runs", ["workflow_id", "subject_id", "spell"],
                    unique=True, postgresql_where=sa.text("status = 'fired'"))
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
