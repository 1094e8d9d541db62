"""Tenant isolation: another tenant's CRM objects answer 404 on every route, even to its admin."""

from cognify.db import tenant_session
from domain.crm import service


def test_every_crm_object_of_tenant_b_is_404_for_tenant_a(client, crm, orgs) -> None:
    b = orgs()
    admin_b = b.headers("admin")
    lead = client.post("/api/v1/leads", headers=admin_b,
                       json={"name": "B lead", "contact": {"email": "same@example.com"}}).json()
    message = client.post(f"/api/v1/leads/{lead['id']}/conversations", headers=admin_b,
                          json={"channel": "sms", "direction": "inbound", "body": "b"}).json()
    task = client.post("/api/v1/tasks", headers=admin_b, json={"title": "B task"}).json()
    campaign = client.post("/api/v1/campaigns", headers=admin_b,
                           json={"name": "B", "medium": "sms", "template": {"body": "b"}}).json()
    urls = [f"/api/v1/leads/{lead['id']}", f"/api/v1/tasks/{task['id']}",
            f"/api/v1/campaigns/{campaign['id']}",
            f"/api/v1/leads/{lead['id']}/conversations/{message['id']}"]
    for url in urls:
        assert client.get(url, headers=crm.admin).status_code == 404, url
        assert client.patch(url, headers=crm.admin, json={}).status_code == 404, url
        assert client.delete(url, headers=crm.admin).status_code == 404, url
    for url in (f"/api/v1/leads/{lead['id']}/conversations", f"/api/v1/campaigns/{campaign['id']}/audience"):
        assert client.get(url, headers=crm.admin).status_code == 404, url
    for action in ("reopen",):
        assert client.post(f"/api/v1/leads/{lead['id']}/{action}", headers=crm.admin).status_code == 404
    for action in ("launch", "cancel"):
        url = f"/api/v1/campaigns/{campaign['id']}/{action}"
        assert client.post(url, headers=crm.admin).status_code == 404
    assert client.get("/api/v1/leads", headers=crm.admin).json()["count"] == 0
    same_contact = client.post("/api/v1/leads", headers=crm.admin,
                               json={"name": "A lead", "contact": {"email": "same@example.com"}})
    assert same_contact.status_code == 201
    for table in ("leads", "tasks", "campaigns", "conversations"):
        assert b.count(table) == 1, table
    with tenant_session(crm.org.id) as session:
        assert session.exec(service.target_query({})).all()[0].name == "A lead"
