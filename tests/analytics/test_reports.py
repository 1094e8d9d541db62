"""Funnel and engagement reports over known data, from Python and over HTTP."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cognify.db import tenant_session
from cognify.errors import Forbidden
from cognify.security import Actor, Role, permissions_for
from domain.analytics import service
from tests.crm.orgs import field_of

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def seed_funnel(org) -> list[uuid.UUID]:
    """10 leads captured, 6 contacted, 3 qualified, 2 won (converted); one lead outside the window."""
    leads = [uuid.uuid4() for _ in range(10)]
    with tenant_session(org.id) as session:
        for i, lead in enumerate(leads):
            service.record_funnel_step(session, None, lead_id=lead, step="captured", occurred_at=DAY)
            if i < 6:
                service.record_funnel_step(session, None, lead_id=lead, step="contacted",
                                           time_taken=100 * (i + 1), occurred_at=DAY + timedelta(days=1))
            if i < 3:
                service.record_funnel_step(session, None, lead_id=lead, step="qualified", time_taken=60,
                                           occurred_at=DAY + timedelta(days=2))
            if i < 2:
                service.record_funnel_step(session, None, lead_id=lead, step="won", converted=True,
                                           occurred_at=DAY + timedelta(days=3))
        service.record_funnel_step(session, None, lead_id=uuid.uuid4(), step="captured",
                                   occurred_at=DAY - timedelta(days=40))
        service.record_funnel_step(session, None, lead_id=leads[0], step="contacted",
                                   occurred_at=DAY + timedelta(days=1))
    return leads


def test_funnel_counts_distinct_leads_and_rates(client, orgs) -> None:
    org = orgs()
    seed_funnel(org)
    query = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=10)).isoformat()}
    response = client.get("/api/v1/analytics/funnel", headers=org.headers("admin"), params=query)
    assert response.status_code == 200, response.text
    report = response.json()
    steps = [(s["step"], s["leads"], s["converted"], s["rate_from_previous"]) for s in report["steps"]]
    assert steps == [("captured", 10, 0, None), ("contacted", 6, 0, 0.6), ("qualified", 3, 0, 0.5),
                     ("won", 2, 2, 0.6667)]
    assert report["steps"][3]["conversion_rate"] == 1.0
    assert report["steps"][1]["avg_time_taken"] == 300.0
    assert (report["leads"], report["converted"], report["conversion_rate"]) == (10, 2, 0.2)
    narrow = {"from": (DAY + timedelta(days=2)).isoformat(), "to": (DAY + timedelta(days=3)).isoformat()}
    only = client.get("/api/v1/analytics/funnel", headers=org.headers("teacher"), params=narrow).json()
    assert [(s["step"], s["leads"]) for s in only["steps"]] == [("qualified", 3)]


def test_reports_see_only_their_tenant(client, orgs) -> None:
    org, other = orgs(), orgs()
    seed_funnel(other)
    query = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=10)).isoformat()}
    report = client.get("/api/v1/analytics/funnel", headers=org.headers("admin"), params=query).json()
    assert report["steps"] == [] and report["leads"] == 0 and report["conversion_rate"] == 0.0


def test_engagement_aggregates(client, orgs) -> None:
    org = orgs()
    a, b, idle = (org.user("student", key=k)[0] for k in ("a", "b", "idle"))
    course, other_course = uuid.uuid4(), uuid.uuid4()
    with tenant_session(org.id) as session:
        service.record_engagement(session, None, user_id=a, course_id=course, seconds=600, activity_score=80)
        service.record_engagement(session, None, user_id=a, course_id=course, seconds=300)
        service.record_engagement(session, None, user_id=b, course_id=course, seconds=300, activity_score=40)
        service.record_engagement(session, None, user_id=idle, course_id=course, seconds=0)
        service.record_engagement(session, None, user_id=b, course_id=other_course, seconds=1000,
                                  activity_score=90)
    admin = org.headers("admin")
    whole = client.get("/api/v1/analytics/engagement", headers=admin).json()
    assert (whole["active_users"], whole["records"], whole["total_time_spent"]) == (2, 4, 2200)
    assert whole["avg_time_spent"] == 1100.0 and whole["avg_activity_score"] == 52.5
    one = client.get("/api/v1/analytics/engagement", headers=admin, params={"course_id": str(course)}).json()
    assert (one["active_users"], one["total_time_spent"], one["avg_time_spent"]) == (2, 1200, 600.0)
    assert one["avg_activity_score"] == 40.0 and one["course_id"] == str(course)
    past = {"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}
    empty = client.get("/api/v1/analytics/engagement", headers=admin, params=past).json()
    assert (empty["active_users"], empty["total_time_spent"], empty["avg_time_spent"]) == (0, 0, 0.0)


@pytest.mark.parametrize("path", ["/api/v1/analytics/funnel", "/api/v1/analytics/engagement"])
def test_reports_need_analytics_read(client, orgs, path) -> None:
    org = orgs()
    for role in ("student", "parent"):
        assert client.get(path, headers=org.headers(role)).status_code == 403
    assert client.get(path, headers=org.headers("teacher")).status_code == 200
    bad = client.get(path, headers=org.headers("admin"), params={"from": "2026-02-01T00:00:00Z",
                                                               "to": "2026-01-01T00:00:00Z"})
    assert bad.status_code == 422 and field_of(bad) == "from"
    naive = client.get(path, headers=org.headers("admin"), params={"from": "2026-01-01T00:00:00"})
    assert naive.status_code == 200 and naive.json()["start"] == "2026-01-01T00:00:00Z"
    garbage = client.get(path, headers=org.headers("admin"), params={"to": "yesterday"})
    assert garbage.status_code == 422 and field_of(garbage) == "to"


def test_services_enforce_permissions_for_python_callers(orgs) -> None:
    org = orgs()
    student_id, _ = org.user("student")
    student = Actor(student_id, org.id, Role.student, permissions_for(Role.student))
    with tenant_session(org.id) as session:
        with pytest.raises(Forbidden):
            service.funnel_report(session, student)
        with pytest.raises(Forbidden):
            service.record_funnel_step(session, student, lead_id=uuid.uuid4(), step="won")
        with pytest.raises(Forbidden):
            service.record_engagement(session, student, user_id=uuid.uuid4(), course_id=uuid.uuid4(),
                                      seconds=1)
