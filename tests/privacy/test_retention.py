"""Retention: the dry run shows what the purge removes, the purge removes only that, and holds keep."""

import json
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from privacy_helpers import bearer, one, write_checkpoint
from sqlalchemy import text

from cognify.db import owner_session, tenant_session
from cognify.errors import NotFound
from cognify.models import utcnow
from cognify.storage import get_store


def _age(table: str, row_id: UUID, days: int, column: str = "created_at") -> None:
    with owner_session() as session:
        session.execute(text(f"UPDATE {table} SET {column} = now() - make_interval(days => :d) "
                             "WHERE id = :id"), {"d": days, "id": row_id})


def _lead(tenant_id: UUID, name: str, status: str, days_old: int) -> UUID:
    from domain.crm.models import Lead

    with tenant_session(tenant_id) as session:
        lead = Lead(tenant_id=tenant_id, name=name, source="web", status=status,
                    contact={"email": f"{uuid4().hex[:8]}@example.org"})
        session.add(lead)
    _age("leads", lead.id, days_old, "updated_at")
    return lead.id


def _thread(tenant_id: UUID, user_id: UUID, days_old: int) -> UUID:
    from agents.models import AgentThread

    with tenant_session(tenant_id) as session:
        thread = AgentThread(tenant_id=tenant_id, user_id=user_id, agent="tutor", title="Old question")
        session.add(thread)
    write_checkpoint(thread.id, "What is a fraction?", "A part of a whole.")
    _age("agent_threads", thread.id, days_old, "updated_at")
    return thread.id


def _proctored(tenant_id: UUID, user_id: UUID) -> UUID:
    return one(tenant_id, "SELECT id FROM proctoring_sessions WHERE student_id = :u", u=user_id)["id"]


def _report(client, headers) -> dict[str, dict]:
    response = client.get("/api/v1/privacy/retention", headers=headers)
    assert response.status_code == 200, response.text
    return {c["category"]: c for c in response.json()["categories"]}


def _count(tenant_id: UUID, sql: str, **params) -> int:
    return one(tenant_id, f"SELECT count(*) AS n FROM {sql}", **params)["n"]


def test_dry_run_then_purge_removes_only_what_expired(client, school) -> None:
    from domain.privacy.tasks import apply_retention_everywhere

    tenant, pupil = school
    admin = bearer(tenant.id, tenant.owner_id, "owner")
    session_id = _proctored(tenant.id, pupil["id"])
    _age("proctoring_sessions", session_id, 200)
    old_thread, new_thread = _thread(tenant.id, pupil["id"], 400), _thread(tenant.id, pupil["id"], 10)
    stale, won, held = (_lead(tenant.id, "Stale Lead", "new", 800), _lead(tenant.id, "Won Lead", "won", 800),
                        _lead(tenant.id, "Disputed Lead", "contacted", 800))
    hold = client.post("/api/v1/privacy/legal-holds", headers=admin,
                       json={"record_type": "lead", "record_id": str(held), "reason": "billing dispute"})
    assert hold.status_code == 201, hold.text

    before = _report(client, admin)
    proctoring, threads, leads = (before["proctoring_evidence"], before["ai_conversations"],
                                  before["unconverted_leads"])
    assert proctoring["days"] == 180 and proctoring["source"] == "default"
    assert proctoring["objects"] == 1 and proctoring["rows"]["proctoring_frame_signals"] == 1
    assert threads["rows"]["agent_threads"] == 1 and threads["rows"]["checkpoints"] == 1
    assert leads["rows"]["leads"] >= 1 and leads["held"] == 1
    # the dry run changed nothing
    assert get_store().get(pupil["evidence_key"])
    assert _count(tenant.id, "agent_threads WHERE id = :t", t=old_thread) == 1

    apply_retention_everywhere()

    with pytest.raises(NotFound):
        get_store().get(pupil["evidence_key"])
    event = one(tenant.id, "SELECT evidence_key, evidence_purged_at FROM proctoring_events "
                           "WHERE session_id = :s", s=session_id)
    assert event["evidence_key"] is None and event["evidence_purged_at"] is not None
    assert _count(tenant.id, "proctoring_sessions WHERE id = :s", s=session_id) == 1  # the exam record stays
    assert _count(tenant.id, "proctoring_frame_signals WHERE session_id = :s", s=session_id) == 0
    assert _count(tenant.id, "agent_threads WHERE id = :t", t=old_thread) == 0
    assert _count(tenant.id, "checkpoints WHERE thread_id = :t", t=str(old_thread)) == 0
    assert _count(tenant.id, "checkpoints WHERE thread_id = :t", t=str(new_thread)) == 1
    assert _count(tenant.id, "leads WHERE id = :l", l=stale) == 0
    assert _count(tenant.id, "leads WHERE id IN (:w, :h)", w=won, h=held) == 2

    after = _report(client, admin)
    assert all(not any(c["rows"].values()) and c["objects"] == 0 for c in after.values()), after
    assert after["unconverted_leads"]["held"] == 1

    released = client.post(f"/api/v1/privacy/legal-holds/{hold.json()['id']}/release", headers=admin)
    assert released.status_code == 200 and released.json()["active"] is False
    assert _report(client, admin)["unconverted_leads"]["rows"]["leads"] == 1


def test_a_hold_on_a_user_stops_their_purge_and_their_erasure(client, school) -> None:
    tenant, pupil = school
    admin = bearer(tenant.id, tenant.owner_id, "owner")
    session_id = _proctored(tenant.id, pupil["id"])
    _age("proctoring_sessions", session_id, 200)
    hold = client.post("/api/v1/privacy/legal-holds", headers=admin,
                       json={"user_id": str(pupil["id"]), "reason": "academic misconduct appeal"}).json()

    report = client.post("/api/v1/privacy/retention/run", headers=admin).json()
    proctoring = next(c for c in report["categories"] if c["category"] == "proctoring_evidence")
    assert proctoring["objects"] == 0 and proctoring["held"] == 1
    assert get_store().get(pupil["evidence_key"])

    erase = client.post("/api/v1/privacy/requests", headers=admin,
                        json={"type": "erase", "subject_user_id": str(pupil["id"])})
    assert erase.status_code == 409 and erase.json()["error"]["code"] == "legal_hold"
    assert erase.json()["error"]["details"]["hold_ids"] == [hold["id"]]
    assert _count(tenant.id, "privacy_requests WHERE subject_user_id = :u", u=pupil["id"]) == 0

    listed = client.get("/api/v1/privacy/legal-holds?active=true", headers=admin).json()
    assert [h["id"] for h in listed] == [hold["id"]] and listed[0]["placed_by"] == str(tenant.owner_id)
    client.post(f"/api/v1/privacy/legal-holds/{hold['id']}/release", headers=admin)
    report = client.post("/api/v1/privacy/retention/run", headers=admin).json()
    assert next(c for c in report["categories"] if c["category"] == "proctoring_evidence")["objects"] == 1


def test_periods_are_the_tenants_and_bad_input_changes_nothing(client, school, make_tenant) -> None:
    tenant, pupil = school
    admin = bearer(tenant.id, tenant.owner_id, "owner")
    student = bearer(tenant.id, pupil["id"], "student")
    patch = "/api/v1/tenants/current"
    for bad in ({"retention_days": {"forever": 3}}, {"retention_days": {"messages": -1}},
                {"retention_days": {"messages": 99999}}):
        response = client.patch(patch, headers=admin, json={"customizations": {"privacy": bad}})
        assert response.status_code == 422, (bad, response.text)
    ok = client.patch(patch, headers=admin, json={"customizations": {
        "privacy": {"retention_days": {"messages": 30, "export_archives": 2}}}})
    assert ok.status_code == 200, ok.text
    report = _report(client, admin)
    assert (report["messages"]["days"], report["messages"]["source"]) == (30, "tenant")
    assert report["export_archives"]["days"] == 2 and report["ai_conversations"]["source"] == "default"
    cutoff = report["messages"]["cutoff"]
    assert abs((utcnow() - timedelta(days=30)).timestamp() - _ts(cutoff)) < 60

    holds = "/api/v1/privacy/legal-holds"
    other = make_tenant()
    cases = [
        ({"user_id": str(pupil["id"]), "record_type": "lead", "record_id": str(uuid4()), "reason": "both"},
         422),
        ({"reason": "nothing named"}, 422),
        ({"record_type": "invoice", "record_id": str(uuid4()), "reason": "unknown kind"}, 422),
        ({"user_id": str(other.owner_id), "reason": "another tenant's user"}, 404),
        ({"record_type": "agent_thread", "record_id": str(uuid4()), "reason": "no such thread"}, 404),
    ]
    for body, expected in cases:
        response = client.post(holds, headers=admin, json=body)
        assert response.status_code == expected, (body, response.text)
    assert client.post(holds, headers=student, json={"user_id": str(pupil["id"]), "reason": "mine"}
                       ).status_code == 403
    assert client.get("/api/v1/privacy/retention", headers=student).status_code == 403
    assert client.get(holds, headers=admin).json() == []
    hold = client.post(holds, headers=admin, json={"user_id": str(pupil["id"]), "reason": "audit"}).json()
    client.post(f"{holds}/{hold['id']}/release", headers=admin)
    again = client.post(f"{holds}/{hold['id']}/release", headers=admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "hold_released"
    assert client.post(f"{holds}/{uuid4()}/release", headers=admin).status_code == 404


def test_the_proctoring_period_set_before_privacy_existed_still_counts(make_tenant) -> None:
    from domain.privacy.models import RetentionCategory
    from domain.privacy.retention import periods
    tenant = make_tenant()
    set_customizations(tenant.id, {"proctoring": {"retention_days": 45}})
    with tenant_session(tenant.id) as session:
        assert periods(session, tenant.id)[RetentionCategory.proctoring_evidence] == (45, "tenant")
    set_customizations(tenant.id, {"proctoring": {"retention_days": 45},
                                   "privacy": {"retention_days": {"proctoring_evidence": 10}}})
    with tenant_session(tenant.id) as session:
        assert periods(session, tenant.id)[RetentionCategory.proctoring_evidence] == (10, "tenant")


def set_customizations(tenant_id: UUID, customizations: dict) -> None:
    with owner_session() as session:
        session.execute(text("UPDATE tenants SET customizations = CAST(:c AS jsonb) WHERE id = :t"),
                        {"c": json.dumps(customizations), "t": tenant_id})


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()
