"""A lead's conversation over HTTP: nested CRUD, contact stamping, roles, bad input."""

import pytest

from tests.crm.orgs import field_of


def test_admin_logs_and_manages_messages(client, crm, new_lead) -> None:
    lead = new_lead()
    url = f"/api/v1/leads/{lead['id']}/conversations"
    inbound = client.post(url, headers=crm.admin, json={
        "channel": "whatsapp", "direction": "inbound", "body": "What are the fees?",
        "sent_at": "2026-01-01T10:00:00Z"})
    assert inbound.status_code == 201, inbound.text
    client.post(url, headers=crm.admin, json={"channel": "note", "direction": "outbound", "body": "vip"})
    assert client.get(f"/api/v1/leads/{lead['id']}", headers=crm.admin).json()["status"] == "new"
    outbound = client.post(url, headers=crm.admin, json={
        "channel": "email", "direction": "outbound", "body": "Fees are on the attached sheet."}).json()
    assert outbound["author_id"] == str(crm.admin_id)
    after = client.get(f"/api/v1/leads/{lead['id']}", headers=crm.admin).json()
    assert after["status"] == "contacted" and after["last_contacted_at"] is not None
    listed = client.get(url, headers=crm.admin).json()
    assert listed["count"] == 3 and [m["channel"] for m in listed["data"]] == ["whatsapp", "note", "email"]
    assert client.get(f"{url}?channel=email", headers=crm.admin).json()["data"] == [outbound]
    assert client.get(f"{url}?direction=inbound", headers=crm.admin).json()["count"] == 1
    assert client.get(f"{url}?channel=sms", headers=crm.admin).json()["count"] == 0
    assert client.get(f"{url}?sort=-sent_at", headers=crm.admin).json()["data"][0]["id"] == outbound["id"]
    one = f"{url}/{inbound.json()['id']}"
    assert client.get(one, headers=crm.admin).json() == inbound.json()
    assert client.patch(one, headers=crm.admin, json={"body": "Fees?"}).json()["body"] == "Fees?"
    assert client.delete(one, headers=crm.admin).status_code == 204
    assert client.get(one, headers=crm.admin).status_code == 404
    assert crm.count("conversations") == 2
    client.delete(f"/api/v1/leads/{lead['id']}", headers=crm.admin)
    assert crm.count("conversations") == 0


def test_a_message_is_reached_only_through_its_own_lead(client, crm, new_lead) -> None:
    first, second = new_lead(), new_lead()
    message = client.post(f"/api/v1/leads/{first['id']}/conversations", headers=crm.admin,
                          json={"channel": "note", "direction": "outbound", "body": "n"}).json()
    wrong = f"/api/v1/leads/{second['id']}/conversations/{message['id']}"
    assert client.get(wrong, headers=crm.admin).status_code == 404
    assert client.delete(wrong, headers=crm.admin).status_code == 404


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_roles_without_crm_access_are_refused(client, crm, new_lead, role) -> None:
    lead = new_lead()
    url = f"/api/v1/leads/{lead['id']}/conversations"
    headers = crm.org.headers(role)
    assert client.get(url, headers=headers).status_code == 403
    body = {"channel": "sms", "direction": "inbound", "body": "hi"}
    assert client.post(url, headers=headers, json=body).status_code == 403
    assert crm.count("conversations") == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"direction": "inbound", "body": "x"}, "channel"),
    ({"channel": "pigeon", "direction": "inbound", "body": "x"}, "channel"),
    ({"channel": "sms", "direction": "sideways", "body": "x"}, "direction"),
    ({"channel": "sms", "direction": "inbound", "body": ""}, "body"),
    ({"channel": "sms", "direction": "inbound", "body": "x", "sent_at": "never"}, "sent_at"),
])
def test_bad_message_input_is_422_and_writes_nothing(client, crm, new_lead, body, field) -> None:
    lead = new_lead()
    url = f"/api/v1/leads/{lead['id']}/conversations"
    response = client.post(url, headers=crm.admin, json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert crm.count("conversations") == 0
    message = client.post(url, headers=crm.admin,
                          json={"channel": "sms", "direction": "inbound", "body": "keep"}).json()
    patched = client.patch(f"{url}/{message['id']}", headers=crm.admin, json=body | {"lead_id": "x"})
    assert patched.status_code == 422
    assert client.get(f"{url}/{message['id']}", headers=crm.admin).json() == message
