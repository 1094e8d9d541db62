"""Privacy: data-subject requests (export) and their append-only audit trail, under row-level security.

Revision ID: 0012_privacy
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls

revision = "0012_privacy"
down_revision = "0001_foundation"
branch_labels = ("privacy",)
depends_on = None


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                     nullable=False, index=True, server_default=sa.text("cognify_current_tenant()"))


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=None if nullable else sa.func.now())


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _tenant(),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("subject_user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("requested_by", UUID(as_uuid=True), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("archive_key", sa.String(300)),
        sa.Column("archive_bytes", sa.BigInteger),
        _at("archive_expires_at", nullable=True),
        sa.Column("error", sa.Text),
        _at("created_at"),
        _at("updated_at"),
        _at("finished_at", nullable=True),
    )
    enable_tenant_rls("privacy_requests")
    op.create_table(
        "privacy_request_events",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _tenant(),
        sa.Column("request_id", UUID(as_uuid=True), sa.ForeignKey("privacy_requests.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("actor_id", UUID(as_uuid=True)),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        _at("created_at"),
    )
    enable_tenant_rls("privacy_request_events")
    # The audit trail is append-only for the application.
    op.execute(f"REVOKE UPDATE, DELETE ON privacy_request_events FROM {app_role()}")


def downgrade() -> None:
    for table in ("privacy_request_events", "privacy_requests"):
        disable_tenant_rls(table)
        op.drop_table(table)
