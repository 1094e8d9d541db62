"""Proctoring: sessions, per-frame signals, timeline events; public certificate verification.

Revision ID: 0008_proctoring
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls

revision = "0008_proctoring"
down_revision = "0001_foundation"
branch_labels = ("proctoring",)
depends_on = "0002_lms"

TABLES = ("proctoring_sessions", "proctoring_frame_signals", "proctoring_events")
EVENT_TYPES = ("no_face", "multiple_faces", "looking_away", "camera_blocked", "tab_hidden", "window_blur",
               "copy", "paste", "fullscreen_exit", "multiple_displays")


def _id() -> sa.Column:
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                     nullable=False, index=True, server_default=sa.text("cognify_current_tenant()"))


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=None if nullable else sa.func.now())


def _fk(name: str, table: str, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey(f"{table}.id", ondelete=ondelete),
                     nullable=nullable, index=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "proctoring_sessions",
        _id(), _tenant(), _fk("student_id", "users"),
        sa.Column("attempt_id", UUID(as_uuid=True),
                  sa.ForeignKey("assessment_attempts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source", sa.String(10), nullable=False, server_default="live"),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("sample_fps", sa.Float, nullable=False, server_default="2"),
        sa.Column("last_t", sa.Float),
        sa.Column("frames_processed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("frames_total", sa.Integer),
        sa.Column("video_key", sa.String(500)),
        sa.Column("duration_s", sa.Float),
        sa.Column("integrity_score", sa.Float),
        sa.Column("flagged", sa.Boolean),
        sa.Column("error", sa.String(500)),
        _ts("finished_at", nullable=True),
        sa.Column("decision", sa.String(20)),
        sa.Column("decision_note", sa.Text),
        _fk("decided_by", "users", ondelete="SET NULL", nullable=True),
        _ts("decided_at", nullable=True),
        _ts("created_at"), _ts("updated_at"),
        sa.UniqueConstraint("attempt_id", name="uq_proctoring_sessions_attempt"),
        sa.CheckConstraint("source IN ('live','video')", name="ck_proctoring_sessions_source"),
        sa.CheckConstraint("status IN ('open','analyzing','completed','failed')",
                           name="ck_proctoring_sessions_status"),
        sa.CheckConstraint("decision IS NULL OR decision IN ('cleared','violation')",
                           name="ck_proctoring_sessions_decision"),
    )
    op.create_index("ix_proctoring_sessions_queue", "proctoring_sessions", ["finished_at"],
                    postgresql_where=sa.text("flagged AND decision IS NULL"))

    op.create_table(
        "proctoring_frame_signals",
        _id(), _tenant(), _fk("session_id", "proctoring_sessions"),
        sa.Column("t", sa.Float, nullable=False),
        sa.Column("face_count", sa.Integer, nullable=False),
        sa.Column("second_face_score", sa.Float),
        sa.Column("yaw", sa.Float), sa.Column("pitch", sa.Float), sa.Column("roll", sa.Float),
        sa.Column("blocked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("blocked_strength", sa.Float, nullable=False, server_default="0"),
        sa.Column("no_face_confirmed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("frame_key", sa.String(500)),
        _ts("created_at"),
        sa.UniqueConstraint("session_id", "t", name="uq_proctoring_frame_signals_t"),
    )

    op.create_table(
        "proctoring_events",
        _id(), _tenant(), _fk("session_id", "proctoring_sessions"),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("start_s", sa.Float, nullable=False),
        sa.Column("end_s", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False, server_default="1"),
        sa.Column("evidence_s", sa.Float),
        sa.Column("evidence_key", sa.String(500)),
        _ts("evidence_purged_at", nullable=True),
        sa.Column("penalty", sa.Float),
        _ts("created_at"),
        sa.CheckConstraint(_in("type", EVENT_TYPES), name="ck_proctoring_events_type"),
        sa.CheckConstraint("source IN ('video','browser')", name="ck_proctoring_events_source"),
        sa.CheckConstraint("end_s >= start_s", name="ck_proctoring_events_span"),
    )
    for table in TABLES:
        enable_tenant_rls(table)

    # Public verification with the holder's name: only name, course, date and status leave.
    op.execute(
        "CREATE OR REPLACE FUNCTION cognify_certificate_public(p_code text) "
        "RETURNS TABLE (holder_name text, course_title text, issued_at timestamptz, status text) "
        "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$ "
        "SELECT u.full_name::text, co.title::text, c.issued_at, c.status::text FROM certificates c "
        "JOIN courses co ON co.id = c.course_id JOIN users u ON u.id = c.user_id "
        "WHERE c.verification_code = p_code $$"
    )
    op.execute("REVOKE ALL ON FUNCTION cognify_certificate_public(text) FROM PUBLIC")
    op.execute("DROP FUNCTION IF EXISTS cognify_verify_certificate(text)")  # superseded by the above
    op.execute(f"GRANT EXECUTE ON FUNCTION cognify_certificate_public(text) TO {app_role()}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS cognify_certificate_public(text)")
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
