"""Proctoring: enrolment photos with their face embedding, identity checks on frame signals, the
`identity_mismatch` event, and the `biometric_identity` consent an enrolment photo needs.

Revision ID: 0020_proctoring_identity
Revises: 0019_proctoring_audio_checked
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0020_proctoring_identity"
down_revision = "0019_proctoring_audio_checked"
branch_labels = None
depends_on = ("0016_record_access_log",)

EVENTS = ("no_face", "multiple_faces", "looking_away", "camera_blocked", "tab_hidden", "window_blur",
          "copy", "paste", "fullscreen_exit", "multiple_displays", "speech_detected")
PURPOSES = ("ai_tutor", "proctoring_recording", "marketing_email", "guardian_consent")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(events: tuple[str, ...], purposes: tuple[str, ...]) -> None:
    op.drop_constraint("ck_proctoring_events_type", "proctoring_events", type_="check")
    op.create_check_constraint("ck_proctoring_events_type", "proctoring_events", _in("type", events))
    op.drop_constraint("ck_consents_purpose", "consents", type_="check")
    op.create_check_constraint("ck_consents_purpose", "consents", _in("purpose", purposes))


def upgrade() -> None:
    op.create_table(
        "proctoring_enrolments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False, index=True, server_default=sa.text("cognify_current_tenant()")),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("photo_key", sa.String(500), nullable=False),
        sa.Column("embedding", ARRAY(sa.Float), nullable=False),
        sa.Column("uploaded_by", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_proctoring_enrolments_user"),
        sa.CheckConstraint("cardinality(embedding) = 128", name="ck_proctoring_enrolments_embedding"),
    )
    enable_tenant_rls("proctoring_enrolments")
    op.add_column("proctoring_frame_signals", sa.Column("identity_distance", sa.Float))
    op.add_column("proctoring_sessions", sa.Column("identity_checked", sa.Boolean))
    _checks((*EVENTS, "identity_mismatch"), (*PURPOSES, "biometric_identity"))


def downgrade() -> None:
    op.execute("DELETE FROM proctoring_events WHERE type = 'identity_mismatch'")
    op.execute("DELETE FROM consents WHERE purpose = 'biometric_identity'")
    _checks(EVENTS, PURPOSES)
    op.drop_column("proctoring_sessions", "identity_checked")
    op.drop_column("proctoring_frame_signals", "identity_distance")
    disable_tenant_rls("proctoring_enrolments")
    op.drop_table("proctoring_enrolments")
