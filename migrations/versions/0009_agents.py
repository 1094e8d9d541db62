"""Agents: thread ownership and the agent audit log under RLS, plus the LangGraph checkpoint tables.

Revision ID: 0009_agents
Revises: 0001_foundation

The checkpoint tables (`checkpoints`, `checkpoint_blobs`, `checkpoint_writes`,
`checkpoint_migrations`) are created by `PostgresSaver.setup()` as the owner role. They know
nothing of tenants: `agent_threads` says who owns a thread and is checked before any checkpoint
is read. Setup builds indexes CONCURRENTLY, which cannot run inside Alembic's transaction, so it
runs on its own autocommit connection.
"""

import psycopg
import sqlalchemy as sa
from alembic import op
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from sqlalchemy.dialects.postgresql import JSONB, UUID

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls

revision = "0009_agents"
down_revision = "0001_foundation"
branch_labels = ("agents",)
depends_on = None

CHECKPOINT_TABLES = ("checkpoint_writes", "checkpoint_blobs", "checkpoints", "checkpoint_migrations")


def _base() -> list[sa.Column]:
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column(
            "tenant_id",
            UUID(as_uuid=True),
            sa.ForeignKey("tenants.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
            server_default=sa.text("cognify_current_tenant()"),
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def _setup_checkpointer() -> None:
    url = op.get_bind().engine.url.set(drivername="postgresql")
    with psycopg.connect(
        url.render_as_string(hide_password=False), autocommit=True, prepare_threshold=0, row_factory=dict_row
    ) as conn:
        PostgresSaver(conn).setup()  # type: ignore[arg-type]
    tables = ", ".join(CHECKPOINT_TABLES)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {app_role()}")


def upgrade() -> None:
    op.create_table(
        "agent_threads",
        *_base(),
        sa.Column(
            "user_id",
            UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("agent", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("agent IN ('copilot','tutor')", name="ck_agent_threads_agent"),
    )
    enable_tenant_rls("agent_threads")
    op.create_table(
        "agent_audit",
        *_base(),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL"), index=True),
        sa.Column(
            "thread_id",
            UUID(as_uuid=True),
            sa.ForeignKey("agent_threads.id", ondelete="SET NULL"),
            index=True,
        ),
        sa.Column("agent", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("tool", sa.String(60)),
        sa.Column("tool_call_id", sa.String(100)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("args", JSONB, nullable=False, server_default="{}"),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("kind IN ('tool_call','approval','refusal')", name="ck_agent_audit_kind"),
    )
    op.create_index("ix_agent_audit_tenant_created", "agent_audit", ["tenant_id", "created_at"])
    enable_tenant_rls("agent_audit")
    _setup_checkpointer()


def downgrade() -> None:
    for table in CHECKPOINT_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for table in ("agent_audit", "agent_threads"):
        disable_tenant_rls(table)
        op.drop_table(table)
