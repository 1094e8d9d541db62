"""CRM: leads, campaigns, tasks and conversations under row-level security.

No trigram or GIN indexes for text search and tags: LIKE and array containment are not
LEAKPROOF, so under row-level security PostgreSQL evaluates them only after the tenant policy
and never as index conditions. Searches scan one tenant's rows through `(tenant_id, ...)` btree
indexes over a precomputed lower-case `search_text` column instead.

Revision ID: 0003_crm
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0003_crm"
down_revision = "0001_foundation"
branch_labels = ("crm",)
depends_on = None

TABLES = ("leads", "campaigns", "tasks", "conversations")
SEARCH_TEXT_SQL = (
    "lower(name || ' ' || coalesce(contact->>'email', '') || ' ' || "
    "coalesce(contact->>'phone', '') || ' ' || coalesce(contact->>'whatsapp', ''))"
)


def _base() -> list[sa.Column]:
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def _updated_at() -> sa.Column:
    return sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _user(name: str) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)


def _one_of(column: str, values: tuple[str, ...], table: str) -> sa.CheckConstraint:
    listed = ",".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{table}_{column}")


def upgrade() -> None:
    op.create_table(
        "leads", *_base(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.String(60), nullable=False, server_default="manual"),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        _user("assigned_to"),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("contact", JSONB, nullable=False, server_default="{}"),
        sa.Column("contact_key", sa.String(300)),
        sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("search_text", sa.Text, sa.Computed(SEARCH_TEXT_SQL, persisted=True)),
        _updated_at(),
        sa.Column("last_contacted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("tenant_id", "contact_key", name="uq_leads_tenant_contact_key"),
        _one_of("status", ("new", "contacted", "qualified", "won", "lost"), "leads"),
    )
    op.create_index("ix_leads_tenant_created", "leads", ["tenant_id", "created_at"])
    op.create_index("ix_leads_tenant_status_created", "leads", ["tenant_id", "status", "created_at"])
    op.create_index("ix_leads_tenant_source", "leads", ["tenant_id", "source"])
    op.create_index("ix_leads_tenant_name", "leads", ["tenant_id", "name"])

    op.create_table(
        "campaigns", *_base(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("medium", sa.String(20), nullable=False),
        sa.Column("target_group", JSONB, nullable=False, server_default="{}"),
        sa.Column("template", JSONB, nullable=False, server_default="{}"),
        sa.Column("send_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        _user("created_by"),
        sa.Column("launched_at", sa.DateTime(timezone=True)),
        _updated_at(),
        _one_of("medium", ("email", "sms", "whatsapp"), "campaigns"),
        _one_of("status", ("draft", "scheduled", "running", "done", "cancelled"), "campaigns"),
    )
    op.create_index("ix_campaigns_tenant_status_send", "campaigns", ["tenant_id", "status", "send_at"])

    op.create_table(
        "tasks", *_base(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("due_date", sa.Date),
        _user("assigned_to"),
        sa.Column("linked_lead_id", UUID(as_uuid=True), sa.ForeignKey("leads.id", ondelete="CASCADE"),
                  index=True),
        sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        _updated_at(),
    )
    op.create_index("ix_tasks_tenant_done_due", "tasks", ["tenant_id", "done", "due_date"])

    op.create_table(
        "conversations", *_base(),
        sa.Column("lead_id", UUID(as_uuid=True), sa.ForeignKey("leads.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("direction", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        _user("author_id"),
        _one_of("channel", ("email", "sms", "whatsapp", "call", "note"), "conversations"),
        _one_of("direction", ("inbound", "outbound"), "conversations"),
    )
    op.create_index("ix_conversations_lead_sent", "conversations", ["lead_id", "sent_at"])
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
