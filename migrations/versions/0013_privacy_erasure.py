"""Privacy: erasure requests wait out the tenant's grace period and keep a report of what they changed.

Revision ID: 0013_privacy_erasure
Revises: 0012_privacy
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013_privacy_erasure"
down_revision = "0012_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("privacy_requests", sa.Column("not_before", sa.DateTime(timezone=True)))
    op.add_column("privacy_requests", sa.Column("result", JSONB, nullable=False,
                                                server_default=sa.text("'{}'::jsonb")))


def downgrade() -> None:
    op.drop_column("privacy_requests", "result")
    op.drop_column("privacy_requests", "not_before")
