"""Right of access: a data subject's export, built by the worker, downloaded through a signed link."""

import io
import json
import zipfile
from datetime import timedelta
from uuid import UUID, uuid4

import psycopg
import pytest
from privacy_helpers import bearer, one, wait_done, write_checkpoint
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cognify.db import tenant_session
from cognify.errors import NotFound
from cognify.models import utcnow
from cognify.storage import get_store


def test_a_student_exports_their_own_data(client, celery_worker, school):
    from agents.models import AgentThread

    tenant, pupil = school
    with tenant_session(tenant.id) as session:
        thread = AgentThread(tenant_id=tenant.id, user_id=pupil["id"], agent="tutor", title="Fractions")
        session.add(thread)
    write_checkpoint(thread.id, "What is a half of a half?", "A quarter.")
    me = bearer(tenant.id, pupil["id"], "student")
    response = client.post("/api/v1/privacy/requests", headers=me,
                           json={"type": "export", "subject_user_id": str(pupil["id"])})
    assert response.status_code == 202, response.text
    assert response.json()["state"] == "pending" and response.json()["download_url"] is None
    done = wait_done(client, me, response.json()["id"])
    assert done["state"] == "done", done
    assert done["progress"] == done["total"]
    assert [e["state"] for e in done["events"]] == ["pending", "running", "done"]
    assert done["events"][0]["actor_id"] == str(pupil["id"])

    archive = client.get(done["download_url"])
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    assert len(archive.content) == done["archive_bytes"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        names = set(zipped.namelist())
        manifest = json.loads(zipped.read("manifest.json"))
        data = {name: json.loads(zipped.read(name)) for name in names if name.startswith("data/")}
        files = {name: zipped.read(name) for name in names if name.startswith("files/")}
        zipped_threads = {name: zipped.read(name) for name in names if name.startswith("threads/")}
    assert manifest["subject_user_id"] == str(pupil["id"])
    assert done["total"] == len(manifest["tables"]) + len(manifest["files"]) + 1  # + the transcripts
    assert len(manifest["files"]) == 2
    [thread] = manifest["threads"]
    conversation = json.loads(zipped_threads[thread["file"]])
    assert conversation["agent"] == "tutor" and conversation["title"] == "Fractions"
    assert [(m["role"], m["content"]) for m in conversation["messages"]] == [
        ("user", "What is a half of a half?"), ("assistant", "A quarter.")]
    users = data["data/users.json"]["rows"]
    assert [row["email"] for row in users] == [pupil["email"]]
    assert "password_hash" not in users[0]
    assert data["data/students.json"]["rows"][0]["personal_info"]["name"] == pupil["full_name"]
    assert data["data/proctoring_frame_signals.json"]["rows"][0]["t"] == 1.5
    for table in ("enrollments", "attendance", "invoices", "certificates",
                  "assessment_attempts", "proctoring_sessions", "proctoring_events"):
        table_rows = data[f"data/{table}.json"]["rows"]
        assert table_rows and all(row["tenant_id"] == str(tenant.id) for row in table_rows), table
    counts = {entry["table"]: entry["rows"] for entry in manifest["tables"]}
    assert counts["invoices"] == len(data["data/invoices.json"]["rows"])
    assert files[f"files/{pupil['evidence_key']}"] == b"\xff\xd8jpeg-bytes"
    assert any(name.endswith(".pdf") and body.startswith(b"%PDF") for name, body in files.items())


def test_who_may_ask_for_whose_export(client, make_tenant, school):
    tenant, pupil = school
    other_pupil = one(tenant.id, "SELECT user_id AS id FROM students WHERE user_id <> :me LIMIT 1",
                       me=pupil["id"])["id"]
    body = {"type": "export", "subject_user_id": str(other_pupil)}
    me = bearer(tenant.id, pupil["id"], "student")
    refused = client.post("/api/v1/privacy/requests", headers=me, json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_data"
    teacher = one(tenant.id, "SELECT id FROM users WHERE role = 'teacher' LIMIT 1")["id"]
    assert client.post("/api/v1/privacy/requests", headers=bearer(tenant.id, teacher, "teacher"),
                       json=body).status_code == 403
    # a parent for their own child, not for someone else's
    parent = bearer(tenant.id, pupil["guardian_id"], "parent")
    child = client.post("/api/v1/privacy/requests", headers=parent,
                        json={"type": "export", "subject_user_id": str(pupil["id"])})
    assert child.status_code == 202, child.text
    assert client.post("/api/v1/privacy/requests", headers=parent, json=body).status_code == 403
    # the parent sees the child's request; the other student does not
    assert client.get(f"/api/v1/privacy/requests/{child.json()['id']}", headers=parent).status_code == 200
    assert client.get(f"/api/v1/privacy/requests/{child.json()['id']}",
                      headers=bearer(tenant.id, other_pupil, "student")).status_code == 404
    # unknown users, another tenant's users, and bad bodies change nothing
    stranger = make_tenant()
    owner = bearer(tenant.id, tenant.owner_id, "owner")
    for subject in (uuid4(), stranger.owner_id):
        response = client.post("/api/v1/privacy/requests", headers=owner,
                               json={"type": "export", "subject_user_id": str(subject)})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    for bad in ({"type": "delete", "subject_user_id": str(pupil["id"])}, {"type": "export"},
                {"type": "export", "subject_user_id": "nobody"},
                {"type": "export", "subject_user_id": str(pupil["id"]), "requested_by": str(uuid4())}):
        response = client.post("/api/v1/privacy/requests", headers=owner, json=bad)
        assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error", bad
    assert client.post("/api/v1/privacy/requests", json=body).status_code == 401
    listed = client.get("/api/v1/privacy/requests", headers=owner,
                        params={"subject_user_id": str(other_pupil)})
    assert listed.status_code == 200 and listed.json() == []


def test_a_pending_request_can_be_cancelled_once_and_blocks_a_duplicate(client, school):
    from domain.privacy.models import PrivacyRequest, PrivacyRequestEvent

    tenant, pupil = school
    with tenant_session(tenant.id) as session:  # pending, without the event that would start it
        row = PrivacyRequest(tenant_id=tenant.id, type="export", subject_user_id=pupil["id"],
                             requested_by=pupil["id"])
        session.add(row)
        session.flush()
        session.add(PrivacyRequestEvent(tenant_id=tenant.id, request_id=row.id, state="pending"))
    me = bearer(tenant.id, pupil["id"], "student")
    again = client.post("/api/v1/privacy/requests", headers=me,
                        json={"type": "export", "subject_user_id": str(pupil["id"])})
    assert again.status_code == 409 and again.json()["error"]["details"]["request_id"] == str(row.id)
    cancelled = client.post(f"/api/v1/privacy/requests/{row.id}/cancel", headers=me)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert [e["state"] for e in cancelled.json()["events"]] == ["pending", "cancelled"]
    twice = client.post(f"/api/v1/privacy/requests/{row.id}/cancel", headers=me)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "request_not_pending"
    assert client.post(f"/api/v1/privacy/requests/{uuid4()}/cancel", headers=me).status_code == 404


def test_the_audit_trail_is_append_only_for_the_app_role(school):
    tenant, pupil = school
    with tenant_session(tenant.id) as session:
        session.execute(text("INSERT INTO privacy_requests (id, type, subject_user_id, requested_by, state) "
                             "VALUES (gen_random_uuid(), 'export', :u, :u, 'done')"), {"u": pupil["id"]})
        session.execute(text("INSERT INTO privacy_request_events (id, request_id, state) "
                             "SELECT gen_random_uuid(), id, 'done' FROM privacy_requests"))
    for statement in ("UPDATE privacy_request_events SET message = 'rewritten'",
                      "DELETE FROM privacy_request_events"):
        with pytest.raises(DBAPIError) as refused, tenant_session(tenant.id) as session:
            session.execute(text(statement))
        assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), statement


def test_links_refuse_tampering_and_expiry_and_archives_expire(client, celery_worker, school):
    from domain.privacy import links
    from domain.privacy.retention import apply_retention

    tenant, pupil = school
    owner = bearer(tenant.id, tenant.owner_id, "owner")
    created = client.post("/api/v1/privacy/requests", headers=owner,
                          json={"type": "export", "subject_user_id": str(pupil["id"])}).json()
    done = wait_done(client, owner, created["id"])
    url = done["download_url"]
    assert client.get(url).status_code == 200
    tampered = url.replace("expires=", "expires=9")
    assert client.get(tampered).status_code == 403
    assert client.get(tampered).json()["error"]["code"] == "bad_signature"
    signature = url.rsplit("signature=", 1)[1]
    other = client.get(url.replace(signature, "0" * len(signature)))
    assert other.status_code == 403
    stale = links.download_url(tenant.id, UUID(created["id"]), utcnow() - timedelta(seconds=1))
    expired = client.get(stale)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "export_expired"
    # the retention purge deletes archives past their expiry; the request keeps its trail
    key = one(tenant.id, "SELECT archive_key FROM privacy_requests WHERE id = :id",
               id=created["id"])["archive_key"]
    with tenant_session(tenant.id) as session:
        report = apply_retention(session, tenant.id, dry_run=False, now=utcnow() + timedelta(days=8))
    (archives,) = [c for c in report.categories if c.category == "export_archives"]
    assert archives.objects == 1 and archives.rows == {"privacy_requests": 1}
    with pytest.raises(NotFound):
        get_store().get(key)
    assert client.get(url).status_code == 404
    after = client.get(f"/api/v1/privacy/requests/{created['id']}", headers=owner).json()
    assert after["download_url"] is None
    assert after["events"][-1]["message"] == "export archive expired and deleted"
