"""POST /api/v1/events: batch limits, who may post about whom, derived engagement and funnel facts."""

import uuid

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import text

from cognify.db import app_engine, tenant_session
from tests.crm.orgs import field_of

EVENTS = "/api/v1/events"


def event(**fields):
    return {"event_type": "page.view", "source": "web", "tags": {"page": "home"}} | fields


def test_a_full_batch_is_stored_in_one_statement_and_one_more_is_refused(client, orgs) -> None:
    org = orgs()
    student = org.headers("student")
    inserts: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("INSERT INTO kpi_events"):
            inserts.append(statement)

    sa_event.listen(app_engine(), "before_cursor_execute", seen)
    try:
        response = client.post(EVENTS, headers=student, json={"events": [event()] * 1000})
    finally:
        sa_event.remove(app_engine(), "before_cursor_execute", seen)
    assert len(inserts) == 1
    assert response.status_code == 201, response.text
    assert response.json() == {"inserted": 1000, "engagement_updates": 0, "funnel_steps": 0}
    too_many = client.post(EVENTS, headers=student, json={"events": [event()] * 1001})
    assert too_many.status_code == 422 and field_of(too_many) == "events"
    assert org.count("kpi_events") == 1000
    with tenant_session(org.id) as session:
        users = session.execute(text("SELECT DISTINCT user_id FROM kpi_events")).scalars().all()
    assert users == [org.user("student")[0]]


@pytest.mark.parametrize(("body", "field"), [
    ({"events": []}, "events"),
    ({"events": [{"source": "web"}]}, "events.0.event_type"),
    ({"events": [event(), event(event_type="Bad Type")]}, "events.1.event_type"),
    ({"events": [event(timestamp="2026-01-01T00:00:00")]}, "events.0.timestamp"),
    ({"events": [event(user_id="me")]}, "events.0.user_id"),
    ({"events": [event(tags={"nested": {"a": 1}})]}, "events.0.tags.nested.str"),
    ({"events": [event(colour="red")]}, "events.0.colour"),
    ({"events": [event(event_type="course.activity", properties={"course_id": str(uuid.uuid4()),
                                                                  "seconds": -5})]},
     "events.0.properties.seconds"),
    ({"events": [event(), event(event_type="course.activity", properties={"seconds": 5})]},
     "events.1.properties.course_id"),
])
def test_bad_events_are_422_naming_the_field_and_write_nothing(client, orgs, body, field) -> None:
    org = orgs()
    response = client.post(EVENTS, headers=org.headers("admin"), json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert org.count("kpi_events") == 0 and org.count("engagement") == 0


def test_students_post_only_about_themselves_staff_for_others(client, orgs) -> None:
    org = orgs()
    student_id, student = org.user("student")
    other_id, _ = org.user("student", key="other")
    mine = client.post(EVENTS, headers=student, json={"events": [event(user_id=str(student_id))]})
    assert mine.status_code == 201
    theirs = client.post(EVENTS, headers=student, json={"events": [event(), event(user_id=str(other_id))]})
    assert theirs.status_code == 403 and "events.1.user_id" in theirs.json()["error"]["message"]
    about_other = {"events": [event(user_id=str(other_id))]}
    parent = client.post(EVENTS, headers=org.headers("parent"), json=about_other)
    assert parent.status_code == 403
    staff = client.post(EVENTS, headers=org.headers("teacher"), json=about_other)
    assert staff.status_code == 201
    ghost = client.post(EVENTS, headers=org.headers("admin"),
                        json={"events": [event(), event(user_id=str(uuid.uuid4()))]})
    assert ghost.status_code == 422 and field_of(ghost) == "events.1.user_id"
    assert org.count("kpi_events") == 2


def test_another_tenants_user_is_unknown(client, orgs) -> None:
    org, other = orgs(), orgs()
    foreign_id, _ = other.user("student")
    body = {"events": [event(user_id=str(foreign_id))]}
    response = client.post(EVENTS, headers=org.headers("admin"), json=body)
    assert response.status_code == 422 and field_of(response) == "events.0.user_id"


def test_course_activity_accumulates_engagement(client, orgs) -> None:
    org = orgs()
    student_id, student = org.user("student")
    course = str(uuid.uuid4())
    activity = [event(event_type="course.activity", properties={"course_id": course, "seconds": s,
                                                                 "activity_score": score})
                for s, score in ((60, 10), (120, 40))]
    first = client.post(EVENTS, headers=student, json={"events": activity})
    assert first.json() == {"inserted": 2, "engagement_updates": 1, "funnel_steps": 0}
    client.post(EVENTS, headers=student, json={"events": [
        event(event_type="course.activity", properties={"course_id": course, "seconds": 30})]})
    with tenant_session(org.id) as session:
        rows = session.execute(text("SELECT user_id, time_spent, activity_score FROM engagement")).all()
    assert rows == [(student_id, 210, 40.0)]


def test_only_staff_record_funnel_steps(client, orgs) -> None:
    org = orgs()
    step = event(event_type="funnel.step", properties={"lead_id": str(uuid.uuid4()), "step": "contacted"})
    refused = client.post(EVENTS, headers=org.headers("student"), json={"events": [step]})
    assert refused.status_code == 403 and org.count("funnel_steps") == 0
    accepted = client.post(EVENTS, headers=org.headers("admin"), json={"events": [step, step]})
    assert accepted.json()["funnel_steps"] == 2 and org.count("funnel_steps") == 2


def test_events_need_a_token(client) -> None:
    assert client.post(EVENTS, json={"events": [event()]}).status_code == 401
