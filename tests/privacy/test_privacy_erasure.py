"""Right to erasure: the worker erases a subject everywhere the data map says, and proves it by a scan."""

from uuid import UUID, uuid4

import psycopg
import pytest
from langgraph.checkpoint.postgres import PostgresSaver
from privacy_helpers import bearer, one, wait_done, write_checkpoint
from psycopg.rows import dict_row
from sqlalchemy import text

from cognify.db import tenant_session
from cognify.errors import NotFound
from cognify.redis import get_redis
from cognify.storage import get_store
from domain.privacy.datamap import DATA_MAP

TEXT_TYPES = ("text", "character varying", "json", "jsonb", "ARRAY")
BLOB_TABLES = ("checkpoint_blobs", "checkpoint_writes")


def _plant(tenant_id: UUID, pupil: dict, teacher_id: UUID) -> None:
    """What a busy school holds about a student beyond the seed: conversations, CRM, messages, plumbing."""
    from agents.models import AgentAudit, AgentThread
    from cognify.events import DeadLetter
    from domain.crm.models import Lead, Task
    from domain.messaging.models import OutboundMessage

    name, email, phone = pupil["full_name"], pupil["email"], pupil["phone"]
    with tenant_session(tenant_id) as session:
        own = AgentThread(tenant_id=tenant_id, user_id=pupil["id"], agent="tutor", title="Fractions help")
        staff = AgentThread(tenant_id=tenant_id, user_id=teacher_id, agent="copilot", title=f"About {name}")
        lead = Lead(tenant_id=tenant_id, name=name, source="web", contact={"email": email, "phone": phone},
                    contact_key=f"email:{email.lower()}")
        session.add_all([own, staff, lead])
        session.flush()
        session.add_all([
            AgentAudit(tenant_id=tenant_id, user_id=teacher_id, thread_id=staff.id, agent="copilot",
                       kind="tool_call", tool="get_student_progress", outcome="success",
                       args={"query": name.upper()}, summary=f"progress of {name} ({email})"),
            Task(tenant_id=tenant_id, title=f"Call {name} on {phone}", linked_lead_id=lead.id),
            OutboundMessage(tenant_id=tenant_id, channel="email", recipient=email, subject="Welcome",
                            body=f"Dear {name}"),
            DeadLetter(tenant_id=tenant_id, event_id=uuid4(), event_type="crm.lead_created",
                       handler="x", payload={"email": email}, error=""),
        ])
        session.execute(text("INSERT INTO kpi_events (id, event_type, source, user_id, properties) "
                             "VALUES (gen_random_uuid(), 'note', 'test', :teacher, :props)"),
                        {"teacher": teacher_id, "props": f'{{"about": "{name}"}}'})
    write_checkpoint(own.id, f"I am {name}, my phone is {phone}", "Hello! Let us look at fractions.")
    write_checkpoint(staff.id, f"How is {name} doing?", f"{name} passed; email {email}.")


def _hits(tenant_id: UUID, needles: list[str]) -> list[str]:
    """Every text, JSON and array column (and checkpoint blob) of the tenant holding any needle."""
    found = []
    with tenant_session(tenant_id) as session:
        for table in DATA_MAP:
            scope = "" if DATA_MAP[table].tenant_scoped or table == "tenants" else \
                " AND id = :tenant" if table == "tenant_directory" else \
                " AND thread_id IN (SELECT id::text FROM agent_threads)"
            columns = session.execute(text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = :t"), {"t": table}).all()
            for column, kind in columns:
                for needle in needles:
                    if kind in TEXT_TYPES:
                        where = f"{column}::text ILIKE '%' || :needle || '%'"
                    elif kind == "bytea" and table in BLOB_TABLES:
                        where = f"position(convert_to(:needle, 'UTF8') IN {column}) > 0"
                    else:
                        continue
                    count = session.execute(text(f"SELECT count(*) FROM {table} WHERE {where}{scope}"),
                                            {"needle": needle, "tenant": tenant_id}).scalar()
                    if count:
                        found.append(f"{table}.{column}: {needle} x{count}")
    store = get_store()
    for key in store.keys(f"{tenant_id}/"):
        body = store.get(key).lower()
        found += [f"object {key}: {needle}" for needle in needles if needle.lower().encode() in body]
    return found


@pytest.fixture
def erasable(school):
    tenant, pupil = school
    pupil.update(one(tenant.id, "SELECT personal_info->>'phone' AS phone FROM students WHERE user_id = :u",
                     u=pupil["id"]))
    teacher = one(tenant.id, "SELECT id FROM users WHERE role = 'teacher' LIMIT 1")["id"]
    _plant(tenant.id, pupil, teacher)
    return tenant, pupil, teacher


def test_erasure_leaves_no_trace_of_the_subject_but_the_legal_hold(client, celery_worker, make_tenant,
                                                                   erasable, login):
    from domain.seed import seed_demo

    tenant, pupil, teacher = erasable
    needles = [pupil["full_name"], pupil["email"], pupil["phone"]]
    twin = make_tenant()  # the same seed: a student with the same name and email in another tenant
    seed_demo(twin.id)
    redis = get_redis()
    redis.set(f"gw:cache:{tenant.id}:{uuid4().hex}", f'{{"prompt": "{pupil["full_name"]}"}}', ex=600)
    redis.set(f"gw:cache:{twin.id}:kept", "{}", ex=600)
    before = _hits(tenant.id, needles)
    for where in ("users.email", "students.personal_info", "leads.name", "tasks.title", "agent_audit.args",
                  "checkpoint_blobs.blob", "checkpoint_writes.blob", "outbound_messages.recipient",
                  "dead_letters.payload", "kpi_events.properties", "agent_threads.title"):
        assert any(hit.startswith(where) for hit in before), (where, before)  # the scan does see them
    twin_before = _hits(twin.id, needles)
    invoices = one(tenant.id, "SELECT count(*) AS n FROM invoices")["n"]

    owner = bearer(tenant.id, tenant.owner_id, "owner")
    response = client.post("/api/v1/privacy/requests", headers=owner,
                           json={"type": "erase", "subject_user_id": str(pupil["id"])})
    assert response.status_code == 202, response.text
    done = wait_done(client, owner, response.json()["id"], timeout=120)
    assert done["state"] == "done", done["events"]
    assert done["progress"] == done["total"] > 0
    result = done["result"]
    assert result["objects_deleted"] == 2 and result["gateway_cache_cleared"] == 1
    assert result["deleted"]["enrollments"] >= 1 and result["deleted"]["checkpoints"] == 1
    assert result["pseudonymised"] == {"users": 1, "students": 1, "tasks": 1, "gateway_usage": 0}
    assert result["checkpoint_blobs_masked"] >= 2

    assert _hits(tenant.id, needles) == []
    assert _hits(twin.id, needles) == twin_before  # another tenant's same-named student is untouched
    assert one(tenant.id, "SELECT count(*) AS n FROM invoices")["n"] == invoices  # kept under legal duty
    kept = one(tenant.id, "SELECT u.full_name, u.is_active, s.personal_info, s.academic_history, "
                          "(SELECT count(*) FROM invoices i WHERE i.student_id = s.id) AS invoices "
                          "FROM users u JOIN students s ON s.user_id = u.id WHERE u.id = :u", u=pupil["id"])
    assert kept == {"full_name": "Erased user", "is_active": False, "academic_history": [],
                    "personal_info": {"name": "Erased student"}, "invoices": kept["invoices"]}
    assert kept["invoices"] >= 1
    redacted = one(tenant.id, "SELECT count(*) AS n FROM tasks WHERE title = 'Call [erased] on [erased]'")
    assert redacted["n"] == 1
    with pytest.raises(NotFound):
        get_store().get(pupil["evidence_key"])
    assert redis.exists(f"gw:cache:{twin.id}:kept") and not list(redis.scan_iter(f"gw:cache:{tenant.id}:*"))
    # the staff copilot thread still loads: the masked checkpoint is valid msgpack
    from agents.checkpoint import checkpoint_dsn

    staff_thread = one(tenant.id, "SELECT id FROM agent_threads WHERE user_id = :t", t=teacher)["id"]
    with psycopg.connect(checkpoint_dsn(), autocommit=True, row_factory=dict_row) as conn:
        state = PostgresSaver(conn).get_tuple({"configurable": {"thread_id": str(staff_thread)}})
    said = state.checkpoint["channel_values"]["messages"][0].content
    assert said.startswith("How is ") and pupil["full_name"] not in said
    # the subject can no longer sign in; the twin tenant's namesake still can
    refused = client.post("/api/v1/auth/token", data={"username": pupil["email"], "password": "cognify-demo",
                                                      "tenant": tenant.slug})
    assert refused.status_code == 401
    assert login(twin.slug, pupil["email"], "cognify-demo")
    # erasing twice changes nothing and answers with the first erasure
    again = client.post("/api/v1/privacy/requests", headers=owner,
                        json={"type": "erase", "subject_user_id": str(pupil["id"])})
    assert again.status_code == 200 and again.json()["id"] == done["id"]


def test_who_may_erase_whom(client, make_tenant, erasable):
    tenant, pupil, _ = erasable
    other = one(tenant.id, "SELECT user_id AS id FROM students WHERE user_id <> :me LIMIT 1",
                me=pupil["id"])["id"]
    me = bearer(tenant.id, pupil["id"], "student")
    refused = client.post("/api/v1/privacy/requests", headers=me,
                          json={"type": "erase", "subject_user_id": str(other)})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_data"
    owner = bearer(tenant.id, tenant.owner_id, "owner")
    stranger = make_tenant()
    for subject in (uuid4(), stranger.owner_id):
        response = client.post("/api/v1/privacy/requests", headers=owner,
                               json={"type": "erase", "subject_user_id": str(subject)})
        assert response.status_code == 404, response.text
    itself = client.post("/api/v1/privacy/requests", headers=owner,
                         json={"type": "erase", "subject_user_id": str(tenant.owner_id)})
    assert itself.status_code == 409 and itself.json()["error"]["code"] == "owner_cannot_be_erased"
    assert one(tenant.id, "SELECT count(*) AS n FROM privacy_requests")["n"] == 0  # nothing was opened
    assert one(stranger.id, "SELECT count(*) AS n FROM users WHERE email LIKE '%erased%'")["n"] == 0


def test_a_grace_period_lets_an_admin_cancel_before_anything_is_erased(client, erasable):
    from domain.privacy.tasks import run_request

    tenant, pupil, _ = erasable
    owner = bearer(tenant.id, tenant.owner_id, "owner")
    for bad in ({"erasure_grace_days": -1}, {"erasure_grace_days": "soon"}, {"grace": 3}):
        response = client.patch("/api/v1/tenants/current", headers=owner,
                                json={"customizations": {"privacy": bad}})
        assert response.status_code == 422, (bad, response.text)
    response = client.patch("/api/v1/tenants/current", headers=owner,
                            json={"customizations": {"privacy": {"erasure_grace_days": 3}}})
    assert response.status_code == 200, response.text
    # the parent asks for their child's erasure; it waits three days
    parent = bearer(tenant.id, pupil["guardian_id"], "parent")
    created = client.post("/api/v1/privacy/requests", headers=parent,
                          json={"type": "erase", "subject_user_id": str(pupil["id"])})
    assert created.status_code == 202, created.text
    body = created.json()
    assert body["state"] == "pending" and body["not_before"] is not None
    assert "grace period of 3 days" in body["events"][0]["message"]
    assert run_request.run(str(tenant.id), body["id"]) == "waiting"
    cancelled = client.post(f"/api/v1/privacy/requests/{body['id']}/cancel", headers=owner)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert run_request.run(str(tenant.id), body["id"]) == "skipped"
    assert one(tenant.id, "SELECT full_name FROM users WHERE id = :u", u=pupil["id"])["full_name"] == \
        pupil["full_name"]
    assert get_store().get(pupil["evidence_key"])
