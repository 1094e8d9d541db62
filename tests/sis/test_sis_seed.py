"""The demo seed: rows in every domain table, idempotent, and usable through the API."""

import time

from sis_helpers import count

from domain.seed import DEMO_PASSWORD, seed_demo

DOMAIN_TABLES = (
    "users", "courses", "modules", "content_blocks", "assessments", "enrollments", "assessment_attempts",
    "certificates", "leads", "campaigns", "tasks", "conversations", "students", "attendance", "timetables",
    "invoices", "payments", "kpi_events", "engagement", "funnel_steps",
)


def drained(tenant_id) -> None:
    """Wait until the worker has relayed the tenant's events (their handlers add analytics rows)."""
    deadline = time.monotonic() + 120
    while count(tenant_id, "outbox_events WHERE processed_at IS NULL"):
        assert time.monotonic() < deadline, "the outbox was not drained"
        time.sleep(0.1)


def test_seed_fills_every_domain_table_once(client, make_tenant, login, celery_worker) -> None:
    tenant = make_tenant()
    summary = seed_demo(tenant.id)
    assert summary["seeded"] is True
    drained(tenant.id)
    before = {table: count(tenant.id, table) for table in DOMAIN_TABLES}
    assert all(n > 0 for n in before.values()), before
    assert count(tenant.id, "leads WHERE status IN ('new','contacted','qualified','won','lost')") == 10
    assert count(tenant.id, "(SELECT DISTINCT status FROM leads) s") == 5
    assert count(tenant.id, "invoices WHERE status = 'paid'") > 0
    assert count(tenant.id, "invoices WHERE status <> 'paid'") > 0
    assert count(tenant.id, "content_blocks WHERE body LIKE '%\n\n%'") == before["content_blocks"]
    again = seed_demo(tenant.id)
    assert again["seeded"] is False
    drained(tenant.id)
    assert {table: count(tenant.id, table) for table in DOMAIN_TABLES} == before

    teacher = login(tenant.slug, summary["logins"]["teacher"], DEMO_PASSWORD)
    students = client.get("/api/v1/students", headers=teacher).json()
    assert 0 < students["count"] < before["students"]
    admin = login(tenant.slug, summary["logins"]["admin"], DEMO_PASSWORD)
    assert client.get("/api/v1/invoices?status=paid", headers=admin).json()["count"] > 0
