"""Privacy: a lead's marketing consent (consents of leads, not only users) and per-message email headers
(campaign emails carry RFC 8058 one-click unsubscribe headers).

Revision ID: 0015_marketing_consent
Revises: 0014_consents
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0015_marketing_consent"
down_revision = "0014_consents"
branch_labels = None
depends_on = ("0006_events",)


def upgrade() -> None:
    op.add_column("consents", sa.Column("lead_id", UUID(as_uuid=True),
                                        sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True))
    op.alter_column("consents", "user_id", nullable=True)
    op.create_check_constraint("ck_consents_one_subject", "consents", "(user_id IS NULL) <> (lead_id IS NULL)")
    op.add_column("outbound_messages", sa.Column("headers", JSONB, nullable=False,
                                                 server_default=sa.text("'{}'::jsonb")))


def downgrade() -> None:
    op.drop_column("outbound_messages", "headers")
    op.execute("DELETE FROM consents WHERE user_id IS NULL")
    op.drop_constraint("ck_consents_one_subject", "consents")
    op.alter_column("consents", "user_id", nullable=False)
    op.drop_column("consents", "lead_id")
