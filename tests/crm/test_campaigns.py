"""Campaigns over HTTP: CRUD, audience filter and template validation, launch, matching."""

import pytest

from cognify.db import tenant_session
from domain.crm import service
from tests.crm.orgs import field_of

CAMPAIGNS = "/api/v1/campaigns"
EMAIL = {"subject": "Hello {{name}}", "body": "Hi {{ name }}, join us. Reply to {{email}}."}


def campaign_body(**fields):
    return {"name": "October webinar follow-up", "medium": "email", "template": EMAIL,
            "target_group": {"status": ["new", "contacted"], "tags_any": ["oct-webinar"]}} | fields


def test_admin_manages_a_campaign(client, crm) -> None:
    created = client.post(CAMPAIGNS, headers=crm.admin, json=campaign_body())
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["status"] == "draft" and campaign["created_by"] == str(crm.admin_id)
    assert campaign["target_group"] == {"status": ["new", "contacted"], "tags_any": ["oct-webinar"]}
    client.post(CAMPAIGNS, headers=crm.admin, json=campaign_body(name="SMS blast", medium="sms",
                                                                  template={"body": "Hi {{name}}"}))
    assert client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=crm.admin).json() == campaign
    assert client.get(f"{CAMPAIGNS}?medium=sms", headers=crm.admin).json()["data"][0]["name"] == "SMS blast"
    assert client.get(f"{CAMPAIGNS}?q=webinar", headers=crm.admin).json()["count"] == 1
    assert [c["name"] for c in client.get(f"{CAMPAIGNS}?sort=name", headers=crm.admin).json()["data"]] \
        == ["October webinar follow-up", "SMS blast"]
    assert client.get(f"{CAMPAIGNS}?status=running", headers=crm.admin).json()["count"] == 0
    patched = client.patch(f"{CAMPAIGNS}/{campaign['id']}", headers=crm.admin,
                           json={"name": "Renamed", "target_group": {"source": ["webinar"]}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["target_group"] == {"source": ["webinar"]}
    assert client.delete(f"{CAMPAIGNS}/{campaign['id']}", headers=crm.admin).status_code == 204
    assert client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=crm.admin).status_code == 404
    assert crm.count("campaigns") == 1


def test_audience_matches_the_target_group(client, crm, new_lead) -> None:
    hit = new_lead(name="Hit", tags=["oct-webinar", "x"])
    new_lead(name="Wrong tag", tags=["nov"])
    new_lead(name="Wrong status", tags=["oct-webinar"], status="won")
    contacted = new_lead(name="Contacted", tags=["OCT-WEBINAR"], status="contacted")
    campaign = client.post(CAMPAIGNS, headers=crm.admin, json=campaign_body()).json()
    audience = client.get(f"{CAMPAIGNS}/{campaign['id']}/audience", headers=crm.admin).json()
    assert audience["count"] == 2
    assert {r["id"] for r in audience["data"]} == {hit["id"], contacted["id"]}
    with tenant_session(crm.org.id) as session:
        rows, count = service.match_campaign_leads(session, None, campaign["id"], limit=1)
        assert count == 2 and len(rows) == 1
        everyone = session.exec(service.target_query({})).all()
        assert len(everyone) == 4
        rendered = service.render_template(campaign["template"], rows[0])
    assert rendered["body"].startswith(f"Hi {rows[0].name}, join us. Reply to lead")


def test_launch_needs_permission_and_a_draft(client, crm) -> None:
    campaign = client.post(CAMPAIGNS, headers=crm.admin, json=campaign_body()).json()
    url = f"{CAMPAIGNS}/{campaign['id']}"
    assert client.post(f"{url}/launch", headers=crm.org.headers("teacher")).status_code == 403
    launched = client.post(f"{url}/launch", headers=crm.admin)
    assert launched.status_code == 200 and launched.json()["status"] == "running"
    again = client.post(f"{url}/launch", headers=crm.admin)
    assert again.status_code == 409 and "running" in again.json()["error"]["message"]
    locked = client.patch(url, headers=crm.admin, json={"name": "Too late"})
    assert locked.status_code == 409
    assert client.delete(url, headers=crm.admin).status_code == 409
    assert client.post(f"{url}/cancel", headers=crm.admin).json()["status"] == "cancelled"
    assert client.post(f"{url}/cancel", headers=crm.admin).status_code == 409


def test_future_send_at_schedules_and_the_sender_finishes(client, crm) -> None:
    body = campaign_body(send_at="2999-01-01T09:00:00Z")
    campaign = client.post(CAMPAIGNS, headers=crm.admin, json=body).json()
    launched = client.post(f"{CAMPAIGNS}/{campaign['id']}/launch", headers=crm.admin).json()
    assert launched["status"] == "scheduled" and launched["launched_at"]
    with tenant_session(crm.org.id) as session:
        assert service.finish_campaign(session, campaign["id"], "running").status == "running"
        assert service.finish_campaign(session, campaign["id"], "done").status == "done"
    with tenant_session(crm.org.id) as session, pytest.raises(Exception, match="from 'done'"):
        service.finish_campaign(session, campaign["id"], "running")


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_roles_without_crm_access_are_refused(client, crm, role) -> None:
    campaign = client.post(CAMPAIGNS, headers=crm.admin, json=campaign_body()).json()
    headers = crm.org.headers(role)
    assert client.get(CAMPAIGNS, headers=headers).status_code == 403
    assert client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=headers).status_code == 403
    assert client.post(CAMPAIGNS, headers=headers, json=campaign_body()).status_code == 403
    patched = client.patch(f"{CAMPAIGNS}/{campaign['id']}", headers=headers, json={"name": "n"})
    assert patched.status_code == 403
    assert client.delete(f"{CAMPAIGNS}/{campaign['id']}", headers=headers).status_code == 403
    assert crm.count("campaigns") == 1


BAD_CREATE = [
    ({"name": ""}, "name"),
    ({"medium": "fax"}, "medium"),
    ({"template": None}, "template"),
    ({"template": {"subject": "s"}}, "template.body"),
    ({"template": {"subject": "Hi", "body": "Hello {{first_name}}"}}, "template.body"),
    ({"template": {"body": "no subject for an email"}}, "template.subject"),
    ({"target_group": {"status": ["hot"]}}, "target_group.status.0"),
    ({"target_group": {"city": ["Pune"]}}, "target_group.city"),
    ({"target_group": {"tags_any": []}}, "target_group.tags_any"),
    ({"target_group": {"assigned_to": ["nope"]}}, "target_group.assigned_to.0"),
    ({"send_at": "tomorrow"}, "send_at"),
    ({"status": "running"}, "status"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CREATE)
def test_bad_campaign_input_is_422_and_writes_nothing(client, crm, change, field) -> None:
    response = client.post(CAMPAIGNS, headers=crm.admin, json=campaign_body(**change))
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert crm.count("campaigns") == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"target_group": {"tags_any": "x"}}, "target_group.tags_any"),
    ({"template": {"subject": "x", "body": "{{nope}}"}}, "template.body"),
    ({"medium": "email", "template": {"body": "plain"}}, "template.subject"),
    ({"extra": 1}, "extra"),
    ({"name": None}, "name"),
])
def test_bad_campaign_patch_is_422_and_changes_nothing(client, crm, body, field) -> None:
    campaign = client.post(CAMPAIGNS, headers=crm.admin, json=campaign_body()).json()
    response = client.patch(f"{CAMPAIGNS}/{campaign['id']}", headers=crm.admin, json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert client.get(f"{CAMPAIGNS}/{campaign['id']}", headers=crm.admin).json() == campaign
