"""Tasks over HTTP: CRUD, done stamping, filters, lead links, roles, bad input."""

import pytest

from tests.crm.orgs import field_of

TASKS = "/api/v1/tasks"


def test_admin_manages_tasks(client, crm, new_lead) -> None:
    lead = new_lead()
    created = client.post(TASKS, headers=crm.admin, json={
        "title": "Call Priya about fees", "due_date": "2026-01-10", "assigned_to": str(crm.admin_id),
        "linked_lead_id": lead["id"],
    })
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["done"] is False and task["done_at"] is None
    client.post(TASKS, headers=crm.admin, json={"title": "Send brochure", "due_date": "2026-03-01"})
    client.post(TASKS, headers=crm.admin, json={"title": "Someday"})
    assert client.get(f"{TASKS}/{task['id']}", headers=crm.admin).json() == task

    def titles(query: str) -> list[str]:
        return [t["title"] for t in client.get(f"{TASKS}?{query}", headers=crm.admin).json()["data"]]

    assert titles(f"linked_lead_id={lead['id']}") == ["Call Priya about fees"]
    assert titles(f"assigned_to={crm.admin_id}") == ["Call Priya about fees"]
    assert titles("due_before=2026-02-01") == ["Call Priya about fees"]
    assert titles("sort=due_date&limit=2") == ["Call Priya about fees", "Send brochure"]
    assert titles("q=BROCHURE") == ["Send brochure"]

    done = client.patch(f"{TASKS}/{task['id']}", headers=crm.admin, json={"done": True}).json()
    assert done["done"] is True and done["done_at"] is not None
    assert titles("done=true") == ["Call Priya about fees"]
    reopened = client.patch(f"{TASKS}/{task['id']}", headers=crm.admin, json={"done": False}).json()
    assert reopened["done_at"] is None
    unlinked = client.patch(f"{TASKS}/{task['id']}", headers=crm.admin, json={"linked_lead_id": None})
    assert unlinked.json()["linked_lead_id"] is None
    assert client.delete(f"{TASKS}/{task['id']}", headers=crm.admin).status_code == 204
    assert client.get(f"{TASKS}/{task['id']}", headers=crm.admin).status_code == 404
    assert crm.count("tasks") == 2


def test_deleting_a_lead_deletes_its_tasks(client, crm, new_lead) -> None:
    lead = new_lead()
    client.post(TASKS, headers=crm.admin, json={"title": "Follow up", "linked_lead_id": lead["id"]})
    client.delete(f"/api/v1/leads/{lead['id']}", headers=crm.admin)
    assert crm.count("tasks") == 0


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_roles_without_crm_access_are_refused(client, crm, role) -> None:
    task = client.post(TASKS, headers=crm.admin, json={"title": "Mine"}).json()
    headers = crm.org.headers(role)
    assert client.get(TASKS, headers=headers).status_code == 403
    assert client.get(f"{TASKS}/{task['id']}", headers=headers).status_code == 403
    assert client.post(TASKS, headers=headers, json={"title": "x"}).status_code == 403
    assert client.patch(f"{TASKS}/{task['id']}", headers=headers, json={"done": True}).status_code == 403
    assert client.delete(f"{TASKS}/{task['id']}", headers=headers).status_code == 403
    assert crm.count("tasks") == 1


UNKNOWN = "00000000-0000-0000-0000-000000000001"
BAD = [({}, "title"), ({"title": ""}, "title"), ({"title": "t", "due_date": "soon"}, "due_date"),
       ({"title": "t", "done": "maybe"}, "done"), ({"title": "t", "assigned_to": UNKNOWN}, "assigned_to"),
       ({"title": "t", "linked_lead_id": UNKNOWN}, "linked_lead_id"), ({"title": "t", "x": 1}, "x")]


@pytest.mark.parametrize(("body", "field"), BAD)
def test_bad_task_input_is_422_and_writes_nothing(client, crm, body, field) -> None:
    response = client.post(TASKS, headers=crm.admin, json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert crm.count("tasks") == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"title": ""}, "title"), ({"done": "maybe"}, "done"), ({"linked_lead_id": UNKNOWN}, "linked_lead_id"),
    ({"due_date": "2026-13-01"}, "due_date"), ({"done_at": "2026-01-01T00:00:00Z"}, "done_at"),
])
def test_bad_task_patch_is_422_and_changes_nothing(client, crm, body, field) -> None:
    task = client.post(TASKS, headers=crm.admin, json={"title": "Keep"}).json()
    response = client.patch(f"{TASKS}/{task['id']}", headers=crm.admin, json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert client.get(f"{TASKS}/{task['id']}", headers=crm.admin).json() == task


def test_linking_another_tenants_lead_is_422(client, crm, orgs) -> None:
    other = orgs()
    lead = client.post("/api/v1/leads", headers=other.headers("admin"), json={"name": "Theirs"}).json()
    response = client.post(TASKS, headers=crm.admin, json={"title": "t", "linked_lead_id": lead["id"]})
    assert response.status_code == 422 and field_of(response) == "linked_lead_id"
