"""Flow 1: a signed lead webhook creates or matches the lead; the worker assigns, tasks and campaigns it."""

from datetime import UTC, date, datetime

from events_helpers import add_user, rows, sql, wait_for, webhook_secret

from domain.crm.flows import next_working_day


def test_next_working_day_skips_the_weekend() -> None:
    assert next_working_day(date(2024, 5, 3)) == date(2024, 5, 6)  # Friday -> Monday
    assert next_working_day(date(2024, 5, 4)) == date(2024, 5, 6)  # Saturday -> Monday
    assert next_working_day(date(2024, 5, 6)) == date(2024, 5, 7)


def test_web_form_lead_is_assigned_tasked_and_enters_running_campaigns(
    worker, smtp_inbox, make_tenant, login, client, signed_post,
) -> None:
    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    sales = {tenant.owner_id, add_user(tenant.id, "admin")[0], add_user(tenant.id, "admin")[0]}
    add_user(tenant.id, "teacher")
    campaign = client.post("/api/v1/campaigns", headers=admin, json={
        "name": "Webinar follow-up", "medium": "email", "target_group": {"source": ["web_form"]},
        "template": {"subject": "Hello {{name}}", "body": "Thanks for your interest, {{name}}."}})
    assert campaign.status_code == 201, campaign.text
    other = client.post("/api/v1/campaigns", headers=admin, json={
        "name": "WhatsApp only", "medium": "email", "target_group": {"source": ["whatsapp"]},
        "template": {"subject": "Hi", "body": "Hi"}})
    for c in (campaign, other):
        assert client.post(f"/api/v1/campaigns/{c.json()['id']}/launch", headers=admin).status_code == 200
    secret = webhook_secret(client, admin)
    path = f"/api/v1/webhooks/leads/{tenant.slug}"
    lead_ids = []
    for i in range(3):  # leads 0 and 1 tick the form's marketing box; lead 2 does not
        form = {"name": f"Lead {i}", "email": f"lead{i}@example.com", "message": "Tell me about the course",
                "marketing_consent": i < 2}
        response = signed_post(path, form, secret)
        assert response.status_code == 202, response.text
        assert response.json()["created"] is True
        lead_ids.append(response.json()["id"])
    again = signed_post(path, {"name": "Lead 0 again", "email": "LEAD0@example.com"}, secret)
    assert again.json() == {"id": lead_ids[0], "created": False, "detail": {}}

    wait_for(lambda: sql(tenant.id, "SELECT count(*) FROM tasks") == 3, what="three follow-up tasks")
    wait_for(lambda: all(smtp_inbox.to(f"lead{i}@example.com") for i in range(2)), what="campaign emails")
    wait_for(lambda: sql(tenant.id, "SELECT count(*) FROM outbox_events WHERE processed_at IS NULL") == 0)
    assert smtp_inbox.to("lead2@example.com") == []  # no marketing without consent
    leads = rows(tenant.id, "SELECT id, assigned_to, status FROM leads ORDER BY name")
    assert {r["assigned_to"] for r in leads} == sales  # round robin over the three sales staff
    assert [r["status"] for r in leads] == ["contacted", "contacted", "new"]  # lead 2 got no campaign
    tasks = rows(tenant.id, "SELECT linked_lead_id, assigned_to, due_date FROM tasks")
    assert {t["linked_lead_id"] for t in tasks} == {r["id"] for r in leads}
    assert all(t["due_date"] == next_working_day(datetime.now(UTC).date()) for t in tasks)
    sends = rows(tenant.id, "SELECT campaign_id, lead_id FROM campaign_sends")
    assert len(sends) == 2 and {str(s["campaign_id"]) for s in sends} == {campaign.json()["id"]}
    assert sql(tenant.id, "SELECT count(*) FROM conversations WHERE direction = 'outbound' "
                          "AND channel = 'email'") == 2
    assert sql(tenant.id, "SELECT count(*) FROM conversations WHERE direction = 'inbound'") == 3
    assert sql(tenant.id, "SELECT count(*) FROM funnel_steps WHERE step = 'captured'") == 3
    assert smtp_inbox.to("lead0@example.com")[0]["Subject"] == "Hello Lead 0"
    assert len(smtp_inbox.to("lead0@example.com")) == 1
    # RFC 8058 one-click unsubscribe: the header's link records the withdrawal, once
    email = smtp_inbox.to("lead0@example.com")[0]
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email["List-Unsubscribe"].strip("<>").split("/api/v1/", 1)[1]
    assert link in email.get_payload(decode=True).decode()  # the body carries the same link for people
    assert client.get(f"/api/v1/{link}").status_code == 200  # a page; a GET changes nothing
    assert sql(tenant.id, "SELECT count(*) FROM consents WHERE granted = false") == 0
    tampered = client.post(f"/api/v1/{link[:-4]}0000", content="List-Unsubscribe=One-Click")
    assert tampered.status_code == 403
    for _ in range(2):
        done = client.post(f"/api/v1/{link}", content="List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200 and done.json() == {"unsubscribed": True}
    withdrawn = rows(tenant.id, "SELECT lead_id, method FROM consents WHERE granted = false")
    assert withdrawn == [{"lead_id": leads[0]["id"], "method": "email_link"}]


def test_scheduled_campaign_sends_once_per_lead(worker, smtp_inbox, make_tenant, login, client) -> None:
    from domain.messaging.tasks import send_campaign

    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    for i in range(3):  # Sam 2 did not opt in to marketing
        client.post("/api/v1/leads", headers=admin, json={
            "name": f"Sam {i}", "source": "expo", "contact": {"email": f"sam{i}-{tenant.slug}@example.com"},
            "marketing_consent": i < 2})
    campaign = client.post("/api/v1/campaigns", headers=admin, json={
        "name": "Expo", "medium": "email", "target_group": {"source": ["expo"]},
        "template": {"subject": "Expo {{name}}", "body": "See you, {{name}}"}}).json()
    client.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=admin)
    for _ in range(2):
        send_campaign.delay(str(tenant.id), campaign["id"])
    wait_for(lambda: all(smtp_inbox.to(f"sam{i}-{tenant.slug}@example.com") for i in range(2)),
             what="both campaign emails")
    wait_for(lambda: sql(tenant.id, "SELECT count(*) FROM outbox_events WHERE processed_at IS NULL") == 0)
    assert sql(tenant.id, "SELECT count(*) FROM campaign_sends") == 2
    assert sql(tenant.id, "SELECT count(*) FROM outbound_messages") == 2
    assert all(len(smtp_inbox.to(f"sam{i}-{tenant.slug}@example.com")) == 1 for i in range(2))
    assert smtp_inbox.to(f"sam2-{tenant.slug}@example.com") == []
    assert sql(tenant.id, "SELECT count(*) FROM consents WHERE method = 'staff' AND granted") == 2
