"""LMS: courses, modules, content blocks, assessments, enrolments, attempts, certificates.

Revision ID: 0002_lms
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from cognify.rls import app_role, disable_tenant_rls, enable_tenant_rls

revision = "0002_lms"
down_revision = "0001_foundation"
branch_labels = ("lms",)
depends_on = None

TABLES = ("courses", "modules", "content_blocks", "assessments", "enrollments",
          "assessment_attempts", "certificates")


def _id() -> sa.Column:
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                     nullable=False, index=True, server_default=sa.text("cognify_current_tenant()"))


def _ts(name: str, nullable: bool = False) -> sa.Column:
    default = None if nullable else sa.func.now()
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=default)


def _fk(name: str, table: str, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey(f"{table}.id", ondelete=ondelete),
                     nullable=nullable, index=True)


def _json(name: str, default: str) -> sa.Column:
    return sa.Column(name, JSONB, nullable=False, server_default=sa.text(f"'{default}'::jsonb"))


def upgrade() -> None:
    op.create_table(
        "courses",
        _id(), _tenant(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("type", sa.String(40), nullable=False, server_default="self_paced"),
        sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default="{}"),
        _json("media", "[]"),
        _json("drip_schedule", "{}"),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("teacher_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("status IN ('draft','published')", name="ck_courses_status"),
    )
    op.create_index("ix_courses_teacher_ids", "courses", ["teacher_ids"], postgresql_using="gin")
    op.create_index("ix_courses_tags", "courses", ["tags"], postgresql_using="gin")

    op.create_table(
        "modules",
        _id(), _tenant(), _fk("course_id", "courses"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        sa.Column("content_block_refs", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
        sa.Column("unlock_after_days", sa.Integer, nullable=False, server_default="0"),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("unlock_after_days >= 0", name="ck_modules_unlock_after_days"),
    )

    op.create_table(
        "content_blocks",
        _id(), _tenant(), _fk("course_id", "courses"),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("storage_key", sa.String(500)),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("type IN ('video','file','doc','quiz','ai')", name="ck_content_blocks_type"),
    )

    op.create_table(
        "assessments",
        _id(), _tenant(), _fk("course_id", "courses"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("type", sa.String(20), nullable=False, server_default="quiz"),
        _json("questions", "[]"),
        sa.Column("pass_score", sa.Float, nullable=False, server_default="50"),
        sa.Column("time_limit", sa.Integer),
        sa.Column("late_policy", sa.String(20), nullable=False, server_default="refuse"),
        sa.Column("proctored", sa.Boolean, nullable=False, server_default=sa.false()),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("type IN ('quiz','exam')", name="ck_assessments_type"),
        sa.CheckConstraint("late_policy IN ('refuse','mark_late')", name="ck_assessments_late_policy"),
        sa.CheckConstraint("pass_score >= 0 AND pass_score <= 100", name="ck_assessments_pass_score"),
        sa.CheckConstraint("time_limit IS NULL OR time_limit > 0", name="ck_assessments_time_limit"),
    )

    op.create_table(
        "enrollments",
        _id(), _tenant(), _fk("student_id", "users"), _fk("course_id", "courses"),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        _ts("enrolled_at"), _ts("created_at"), _ts("updated_at"),
        sa.UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_course"),
        sa.CheckConstraint("status IN ('active','completed','cancelled')", name="ck_enrollments_status"),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="ck_enrollments_progress"),
    )

    op.create_table(
        "assessment_attempts",
        _id(), _tenant(), _fk("assessment_id", "assessments"), _fk("student_id", "users"),
        _json("answers", "{}"),
        sa.Column("score", sa.Float),
        sa.Column("passed", sa.Boolean),
        _ts("started_at"), _ts("submitted_at", nullable=True),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("proctored", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(20), nullable=False, server_default="in_progress"),
        _ts("created_at"),
        sa.CheckConstraint("status IN ('in_progress','submitted','expired')", name="ck_assessment_attempts_status"),
    )
    op.create_index(
        "uq_assessment_attempts_one_open", "assessment_attempts", ["assessment_id", "student_id"],
        unique=True, postgresql_where=sa.text("status = 'in_progress'"),
    )

    op.create_table(
        "certificates",
        _id(), _tenant(), _fk("user_id", "users"), _fk("course_id", "courses"),
        _fk("attempt_id", "assessment_attempts", ondelete="SET NULL", nullable=True),
        sa.Column("score", sa.Float),
        sa.Column("template_id", sa.String(100)),
        sa.Column("verification_code", sa.String(64), nullable=False, unique=True),
        _ts("issued_at", nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="issued"),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("status IN ('issued','held','withheld','revoked')", name="ck_certificates_status"),
    )
    for table in TABLES:
        enable_tenant_rls(table)

    # Public verification: a code resolves across tenants to a few non-personal fields only.
    op.execute(
        "CREATE OR REPLACE FUNCTION cognify_verify_certificate(p_code text) "
        "RETURNS TABLE (certificate_id uuid, tenant_id uuid, course_title text, status text, "
        "issued_at timestamptz) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$ "
        "SELECT c.id, c.tenant_id, co.title::text, c.status::text, c.issued_at FROM certificates c "
        "JOIN courses co ON co.id = c.course_id WHERE c.verification_code = p_code $$"
    )
    op.execute("REVOKE ALL ON FUNCTION cognify_verify_certificate(text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION cognify_verify_certificate(text) TO {app_role()}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS cognify_verify_certificate(text)")
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
