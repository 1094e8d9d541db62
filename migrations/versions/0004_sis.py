"""SIS/ERP: students, attendance, timetables, invoices, payments.

Revision ID: 0004_sis
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from cognify.rls import disable_tenant_rls, enable_tenant_rls

revision = "0004_sis"
down_revision = "0001_foundation"
branch_labels = ("sis",)
depends_on = "0002_lms"

TABLES = ("students", "attendance", "timetables", "invoices", "payments")


def _id() -> sa.Column:
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                     nullable=False, index=True, server_default=sa.text("cognify_current_tenant()"))


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=None if nullable else sa.func.now())


def _fk(name: str, table: str, ondelete: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey(f"{table}.id", ondelete=ondelete),
                     nullable=nullable, index=True)


def _money() -> list[sa.Column]:
    return [sa.Column("amount", sa.Numeric(12, 2), nullable=False),
            sa.Column("currency", sa.CHAR(3), nullable=False)]


def _money_checks(table: str) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint("amount > 0", name=f"ck_{table}_amount_positive"),
            sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=f"ck_{table}_currency")]


def upgrade() -> None:
    op.create_table(
        "students",
        _id(), _tenant(),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="SET NULL"),
                  unique=True),
        _fk("guardian_id", "users", "SET NULL", nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("personal_info", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("academic_history", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("status IN ('active','inactive','graduated')", name="ck_students_status"),
    )

    op.create_table(
        "attendance",
        _id(), _tenant(),
        _fk("student_id", "students", "CASCADE"),
        _fk("course_id", "courses", "SET NULL", nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("method", sa.String(20), nullable=False, server_default="manual"),
        sa.Column("reason", sa.Text),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now(),
                  index=True),
        _ts("created_at"),
        sa.CheckConstraint("status IN ('present','absent','late','excused')", name="ck_attendance_status"),
        sa.CheckConstraint("method IN ('manual','qr','biometric','online')", name="ck_attendance_method"),
        sa.CheckConstraint("status <> 'excused' OR coalesce(btrim(reason), '') <> ''",
                           name="ck_attendance_excused_reason"),
    )

    op.create_table(
        "timetables",
        _id(), _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("classroom_id", sa.String(100), nullable=False, index=True),
        sa.Column("periods", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("teachers", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
        sa.Column("subjects", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("weeks", ARRAY(sa.Integer)),
        sa.Column("starts_on", sa.Date),
        sa.Column("ends_on", sa.Date),
        _ts("created_at"), _ts("updated_at"),
        sa.CheckConstraint("starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on",
                           name="ck_timetables_date_range"),
    )
    op.create_index("ix_timetables_teachers", "timetables", ["teachers"], postgresql_using="gin")

    op.create_table(
        "invoices",
        _id(), _tenant(),
        _fk("student_id", "students", "RESTRICT"),
        _fk("course_id", "courses", "SET NULL", nullable=True),
        *_money(),
        sa.Column("status", sa.String(20), nullable=False, server_default="open", index=True),
        sa.Column("due_date", sa.Date),
        sa.Column("txn_id", sa.String(200)),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        _ts("created_at"), _ts("updated_at"),
        *_money_checks("invoices"),
        sa.CheckConstraint("status IN ('draft','open','paid','void','overdue')", name="ck_invoices_status"),
    )

    op.create_table(
        "payments",
        _id(), _tenant(),
        _fk("invoice_id", "invoices", "RESTRICT"),
        sa.Column("gateway_ref", sa.String(200), nullable=False),
        sa.Column("txn_id", sa.String(200)),
        *_money(),
        sa.Column("method", sa.String(20), nullable=False, server_default="card"),
        sa.Column("status", sa.String(20), nullable=False, server_default="succeeded"),
        _ts("received_at", nullable=True),
        _ts("created_at"), _ts("updated_at"),
        sa.UniqueConstraint("tenant_id", "gateway_ref", name="uq_payments_tenant_gateway_ref"),
        *_money_checks("payments"),
        sa.CheckConstraint("method IN ('card','bank','cash','upi','other')", name="ck_payments_method"),
        sa.CheckConstraint("status IN ('pending','succeeded','failed','refunded')",
                           name="ck_payments_status"),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
