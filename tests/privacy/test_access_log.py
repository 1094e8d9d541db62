"""FERPA: every read of a student's education record by someone else is logged, append-only."""

import psycopg
import pytest
from privacy_helpers import bearer, one
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cognify.db import tenant_session


def _log(tenant_id, student_user_id) -> list[dict]:
    with tenant_session(tenant_id) as session:
        return [dict(r) for r in session.execute(text(
            "SELECT record_type, accessor_id, accessor_role, via FROM record_access_log "
            "WHERE student_user_id = :u ORDER BY created_at"), {"u": student_user_id}).mappings()]


def test_staff_reads_of_a_students_records_are_logged_and_shown_to_them(client, make_tenant, school):
    tenant, pupil = school
    sis = one(tenant.id, "SELECT id FROM students WHERE user_id = :u", u=pupil["id"])["id"]
    owner = bearer(tenant.id, tenant.owner_id, "owner")
    me = bearer(tenant.id, pupil["id"], "student")
    # the student's own reads are not logged
    assert client.get("/api/v1/attempts", headers=me).status_code == 200
    assert _log(tenant.id, pupil["id"]) == []
    reads = [f"/api/v1/attempts?student_id={pupil['id']}", f"/api/v1/attendance?student_id={sis}",
             f"/api/v1/invoices?student_id={sis}", f"/api/v1/students/{sis}"]
    for path in reads:
        assert client.get(path, headers=owner).status_code == 200, path
    logged = _log(tenant.id, pupil["id"])
    kinds = {row["record_type"] for row in logged}
    assert kinds == {"assessment_attempt", "attendance", "invoice", "student"}
    assert all(row["accessor_id"] == tenant.owner_id and row["accessor_role"] == "owner" for row in logged)
    assert {row["via"] for row in logged} == {"GET /api/v1/attempts", "GET /api/v1/attendance",
                                              "GET /api/v1/invoices", "GET /api/v1/students/{student_id}"}
    attempts = client.get(f"/api/v1/attempts?student_id={pupil['id']}", headers=owner).json()["count"]
    logged = _log(tenant.id, pupil["id"])
    assert sum(row["record_type"] == "assessment_attempt" for row in logged) == 2 * attempts
    # the student and their parent see who looked; another student does not
    shown = client.get("/api/v1/privacy/access-log", headers=me)
    assert shown.status_code == 200 and len(shown.json()) == len(_log(tenant.id, pupil["id"]))
    assert shown.json()[0]["accessor_name"] and shown.json()[0]["accessor_role"] == "owner"
    parent = bearer(tenant.id, pupil["guardian_id"], "parent")
    path = f"/api/v1/privacy/access-log?student_id={pupil['id']}"
    assert client.get(path, headers=parent).status_code == 200
    other = one(tenant.id, "SELECT user_id FROM students WHERE user_id <> :u LIMIT 1",
                u=pupil["id"])["user_id"]
    assert client.get(path, headers=bearer(tenant.id, other, "student")).status_code == 404
    stranger = make_tenant()
    assert client.get(path, headers=bearer(stranger.id, stranger.owner_id, "owner")).status_code == 404
    assert client.get("/api/v1/privacy/access-log?limit=0", headers=me).status_code == 422


def test_the_access_log_is_append_only_for_the_app_role(client, school):
    tenant, pupil = school
    owner = bearer(tenant.id, tenant.owner_id, "owner")
    assert client.get(f"/api/v1/attempts?student_id={pupil['id']}", headers=owner).status_code == 200
    for statement in ("UPDATE record_access_log SET via = 'nothing'", "DELETE FROM record_access_log"):
        with pytest.raises(DBAPIError) as refused, tenant_session(tenant.id) as session:
            session.execute(text(statement))
        assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statement


def test_copilot_tools_that_return_records_log_the_read(school):
    import asyncio

    from cognify.security import Role
    from tools.adapter import execute
    from tools.context import ToolContext
    from tools.lms import StudentProgressArgs
    from tools.registry import ALL_TOOLS
    from tools.sis import ListInvoicesArgs

    tenant, pupil = school
    sis = one(tenant.id, "SELECT id FROM students WHERE user_id = :u", u=pupil["id"])["id"]
    course = one(tenant.id, "SELECT course_id FROM enrollments WHERE student_id = :u LIMIT 1",
                 u=pupil["id"])["course_id"]
    ctx = ToolContext(tenant.id, tenant.owner_id, Role.owner, "copilot")
    found = asyncio.run(execute(ALL_TOOLS["list_invoices"], ctx, ListInvoicesArgs(student_id=sis)))
    assert found["count"] >= 1
    asyncio.run(execute(ALL_TOOLS["get_student_progress"], ctx,
                        StudentProgressArgs(student_id=pupil["id"], course_id=course)))
    logged = _log(tenant.id, pupil["id"])
    invoices = [row for row in logged if row["via"] == "tool list_invoices"]
    assert len(invoices) == len(found["invoices"]) and {row["record_type"] for row in invoices} == {"invoice"}
    assert [row["record_type"] for row in logged if row["via"] == "tool get_student_progress"] == [
        "student_progress"]
    assert all(row["accessor_id"] == tenant.owner_id for row in logged)
