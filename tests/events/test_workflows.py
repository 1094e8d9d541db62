"""Flow 4: tenant rules validated on save, the default inactivity rule once per spell, event rules."""

from uuid import uuid4

import pytest
from events_helpers import add_user, rows, sql, wait_for, webhook_secret

from domain.workflows.tasks import evaluate_rule


def _default_rule(client, admin) -> dict:
    rules = client.get("/api/v1/workflows", headers=admin).json()["data"]
    return next(r for r in rules if r["default_key"] == "student_inactive_7d")


def _activity(tenant_id, user_id, days_ago: int) -> None:
    sql(tenant_id, "INSERT INTO kpi_events (id, event_type, source, user_id, timestamp, tags, properties) "
        "VALUES (:id, 'course.visit', 'test', :u, now() - make_interval(days => :d), '{}', '{}') "
        "RETURNING id",
        id=uuid4(), u=user_id, d=days_ago)


def _evaluate(tenant_id, rule_id) -> None:
    """Run the rule on the worker and wait until it has been evaluated."""
    before = sql(tenant_id, "SELECT last_evaluated_at FROM workflows WHERE id = :id", id=rule_id)
    evaluate_rule.delay(str(tenant_id), rule_id)
    wait_for(lambda: sql(tenant_id, "SELECT last_evaluated_at FROM workflows WHERE id = :id",
                         id=rule_id) != before, what="the rule evaluation")


def _fired(tenant_id, rule_id) -> int:
    return sql(tenant_id, "SELECT count(*) FROM workflow_runs WHERE workflow_id = :id AND status = 'fired'",
               id=rule_id)


def test_inactivity_rule_fires_once_per_spell(worker, smtp_inbox, make_tenant, login, client) -> None:
    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    email = f"kim-{uuid4().hex[:6]}@example.com"
    user_id, _ = add_user(tenant.id, "student", email=email)
    created = client.post("/api/v1/students", headers=admin, json={
        "user_id": str(user_id), "personal_info": {"name": "Kim Lee"}})
    assert created.status_code == 201, created.text
    rule = _default_rule(client, admin)
    _activity(tenant.id, user_id, 20)

    _evaluate(tenant.id, rule["id"])
    assert _fired(tenant.id, rule["id"]) == 1
    wait_for(lambda: smtp_inbox.to(email), what="the nudge email")
    assert smtp_inbox.to(email)[0]["Subject"] == "We miss you, Kim Lee"
    assert sql(tenant.id, "SELECT title FROM tasks") == "Check in with Kim Lee (inactive 20 days)"

    _evaluate(tenant.id, rule["id"])  # the next day's run, same spell: nothing
    assert _fired(tenant.id, rule["id"]) == 1
    dry = client.post(f"/api/v1/workflows/{rule['id']}/dry-run", headers=admin).json()
    assert [m["would_fire"] for m in dry["matches"]] == [False]

    _activity(tenant.id, user_id, 1)  # active again: no longer matches
    _evaluate(tenant.id, rule["id"])
    assert _fired(tenant.id, rule["id"]) == 1
    assert client.post(f"/api/v1/workflows/{rule['id']}/dry-run", headers=admin).json()["matches"] == []

    sql(tenant.id, "UPDATE kpi_events SET timestamp = now() - interval '9 days' "
        "WHERE timestamp > now() - interval '2 days' RETURNING 1")  # ... then a new inactive spell
    _evaluate(tenant.id, rule["id"])
    assert _fired(tenant.id, rule["id"]) == 2
    runs = client.get(f"/api/v1/workflows/{rule['id']}/runs", headers=admin).json()
    assert runs["count"] == 2 and {r["status"] for r in runs["data"]} == {"fired"}
    assert sql(tenant.id, "SELECT count(*) FROM tasks") == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"condition": "student.shoe_size > 3"}, "condition"),
    ({"condition": "__import__('os').system('x')"}, "condition"),
    ({"condition": "student.inactive_days >= "}, "condition"),
    ({"actions": [{"type": "launch_rockets"}]}, "actions.0"),
    ({"actions": [{"type": "update_lead_status", "status": "lost"}]}, "actions.0.type"),
    ({"trigger_event": "crm.lead_captured", "schedule_minutes": None}, "trigger_event"),
    ({"trigger_event": "no.such_event", "schedule_minutes": None}, "trigger_event"),
])
def test_invalid_rules_are_refused_with_the_reason(change, field, make_tenant, login, client) -> None:
    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    rule = {"name": "r", "subject": "student", "schedule_minutes": 60,
            "condition": "student.inactive_days > 3",
            "actions": [{"type": "create_task", "title": "t"}]} | change
    response = client.post("/api/v1/workflows", headers=admin, json=rule)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith(field)
    assert sql(tenant.id, "SELECT count(*) FROM workflows WHERE default_key IS NULL") == 0


def test_event_rule_acts_on_a_whatsapp_lead(worker, make_tenant, login, client, signed_post) -> None:
    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    rule = client.post("/api/v1/workflows", headers=admin, json={
        "name": "Qualify WhatsApp leads", "subject": "lead", "trigger_event": "crm.lead_captured",
        "condition": 'lead.source == "whatsapp" and not lead.tags', "actions": [
            {"type": "update_lead_status", "status": "qualified"},
            {"type": "create_task", "title": "Call {{name}} on WhatsApp", "due_in_days": 0}]})
    assert rule.status_code == 201, rule.text
    payload = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
        "contacts": [{"profile": {"name": "Ravi"}, "wa_id": "919800000001"}],
        "messages": [{"from": "919800000001", "text": {"body": "Fees?"}}]}}]}]}
    response = signed_post(f"/api/v1/webhooks/leads/{tenant.slug}", payload, webhook_secret(client, admin))
    assert response.status_code == 202, response.text
    wait_for(lambda: sql(tenant.id, "SELECT status FROM leads") == "qualified", what="the rule's action")
    titles = {r["title"] for r in rows(tenant.id, "SELECT title FROM tasks")}
    assert "Call Ravi on WhatsApp" in titles
    assert sql(tenant.id, "SELECT contact->>'whatsapp' FROM leads") == "+919800000001"
