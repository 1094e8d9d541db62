"""Flow 3 (activity -> analytics) and messaging: SMTP delivery and the local outbox default."""

from uuid import uuid4

from events_helpers import add_user, sql, wait_for

from cognify.db import tenant_session
from cognify.events import Event
from cognify.outbox import run_handler
from domain.analytics.activity import click_token
from domain.messaging.models import OutboundMessage
from domain.messaging.service import MESSAGE_QUEUED, deliver, queue_message


def test_attendance_content_time_and_clicks_become_kpis(worker, make_tenant, login, client) -> None:
    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    user_id, student_headers = add_user(tenant.id, "student")
    course_id = sql(tenant.id, "INSERT INTO courses (id, title, status) VALUES (:id, 'C', 'published') "
                    "RETURNING id", id=uuid4())
    block_id = sql(tenant.id, "INSERT INTO content_blocks (id, course_id, type, title, body) VALUES "
                   "(:id, :c, 'doc', 'Intro', 'x') RETURNING id", id=uuid4(), c=course_id)
    student = client.post("/api/v1/students", headers=admin, json={
        "user_id": str(user_id), "personal_info": {"name": "Ana"}}).json()
    mark = client.post("/api/v1/attendance", headers=admin, json={
        "student_id": student["id"], "course_id": str(course_id), "status": "present"})
    assert mark.status_code == 201, mark.text
    for seconds in (120, 30):
        view = client.post("/api/v1/activity/content-views", headers=student_headers,
                           json={"content_block_id": str(block_id), "seconds": seconds})
        assert view.status_code == 202, view.text
    lead_id = sql(tenant.id, "INSERT INTO leads (id, name, contact) VALUES (:id, 'L', '{}') RETURNING id",
                  id=uuid4())
    click = client.get(f"/api/v1/t/{click_token(tenant.id, lead_id, 'https://example.com/offer')}",
                       follow_redirects=False)
    assert click.status_code == 302 and click.headers["location"] == "https://example.com/offer"
    assert client.get("/api/v1/t/forged.token", follow_redirects=False).status_code == 404

    wait_for(lambda: sql(tenant.id, "SELECT time_spent FROM engagement WHERE user_id = :u", u=user_id) == 150,
             what="engagement time")
    wait_for(lambda: sql(tenant.id, "SELECT count(*) FROM funnel_steps WHERE step = 'clicked'") == 1)
    wait_for(lambda: sql(tenant.id, "SELECT count(*) FROM kpi_events WHERE event_type = "
                                    "'attendance.recorded' AND user_id = :u", u=user_id) == 1)
    assert sql(tenant.id, "SELECT count(*) FROM kpi_events WHERE event_type = 'content.view'") == 2
    assert sql(tenant.id, "SELECT count(*) FROM kpi_events WHERE event_type = 'crm.click'") == 1


def test_email_is_delivered_through_smtp(worker, smtp_inbox, make_tenant) -> None:
    tenant = make_tenant()
    with tenant_session(tenant.id) as session:
        message = queue_message(session, channel="email", recipient=f"x@{tenant.slug}.example.com",
                                subject="Welcome", body="Hello from Cognify")
    received = wait_for(lambda: smtp_inbox.to(f"x@{tenant.slug}.example.com"), what="the email")
    assert received[0]["Subject"] == "Welcome" and "Hello from Cognify" in received[0].get_payload()
    wait_for(lambda: sql(tenant.id, "SELECT status FROM outbound_messages WHERE id = :id",
                         id=message.id) == "sent")


def test_without_smtp_messages_land_in_the_admin_outbox(make_tenant, make_user, login, client) -> None:
    tenant = make_tenant()  # this process has no COGNIFY_SMTP_HOST: the local outbox sender applies
    with tenant_session(tenant.id) as session:
        message = OutboundMessage(tenant_id=tenant.id, channel="sms", recipient="+15550100", body="Hi")
        session.add(message)
    run_handler(deliver_handler(), Event(uuid4(), tenant.id, MESSAGE_QUEUED, {"message_id": str(message.id)}))
    admin = login(tenant.slug, tenant.owner_email)
    outbox = client.get("/api/v1/admin/outbox", headers=admin).json()
    assert outbox["count"] == 1
    assert (outbox["data"][0]["status"], outbox["data"][0]["backend"]) == ("stored", "outbox")
    _, teacher = make_user(tenant, "teacher")
    assert client.get("/api/v1/admin/outbox", headers=teacher).status_code == 403


def deliver_handler():
    """The registered delivery handler."""
    from cognify.events import handlers

    assert handlers.by_name["messaging.deliver"].fn is deliver
    return handlers.by_name["messaging.deliver"]
