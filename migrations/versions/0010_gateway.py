"""Gateway: virtual keys (hashed) and the usage ledger, under row-level security.

Revision ID: 0010_gateway
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0010_gateway"
down_revision = "0001_foundation"
branch_labels = ("gateway",)
depends_on = None


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                     nullable=False, index=True, server_default=sa.text("cognify_current_tenant()"))


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "gateway_keys",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _tenant(),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("budget_usd", sa.Numeric(12, 2)),
        sa.Column("rpm", sa.Integer),
        sa.Column("tpm", sa.Integer),
        sa.Column("created_by", UUID(as_uuid=True)),
        _created(),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    enable_tenant_rls("gateway_keys")
    op.create_table(
        "gateway_usage",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _tenant(),
        sa.Column("user_id", UUID(as_uuid=True)),
        sa.Column("key_id", UUID(as_uuid=True)),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("model_group", sa.String(100), nullable=False),
        sa.Column("deployment", sa.String(200)),
        sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("completion_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cost_usd", sa.Numeric(18, 9), nullable=False, server_default="0"),
        sa.Column("latency_ms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ttft_ms", sa.Integer),
        sa.Column("cache_hit", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("stream", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("outcome", sa.String(40), nullable=False),
        _created(),
    )
    op.create_index("ix_gateway_usage_tenant_created", "gateway_usage", ["tenant_id", "created_at"])
    enable_tenant_rls("gateway_usage")


def downgrade() -> None:
    disable_tenant_rls("gateway_usage")
    op.drop_table("gateway_usage")
    disable_tenant_rls("gateway_keys")
    op.drop_table("gateway_keys")
