"""The usage ledger names the HTTP request each call served (its X-Request-ID), for tracing a bill.

Revision ID: 0011_ledger_request_id
Revises: 0010_gateway
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_ledger_request_id"
down_revision = "0010_gateway"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("gateway_usage", sa.Column("request_id", sa.String(64)))


def downgrade() -> None:
    op.drop_column("gateway_usage", "request_id")
