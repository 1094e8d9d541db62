"""Leads over HTTP: CRUD, filters, sort, roles, status rules, de-duplication, bad input."""

import pytest

from tests.crm.orgs import field_of

LEADS = "/api/v1/leads"


def test_admin_creates_reads_lists_updates_and_deletes_a_lead(client, crm, new_lead) -> None:
    created = client.post(LEADS, headers=crm.admin, json={
        "name": "Priya Shah", "source": "Webinar", "tags": ["Oct-Webinar", "data"],
        "contact": {"email": "Priya@Example.com", "phone": "+91 98765-43210"},
        "assigned_to": str(crm.admin_id), "notes": "asked about fees",
    })
    assert created.status_code == 201, created.text
    lead = created.json()
    assert lead["status"] == "new" and lead["source"] == "webinar"
    assert lead["contact"] == {"email": "priya@example.com", "phone": "+919876543210"}
    assert lead["contact_key"] == "email:priya@example.com"
    assert lead["tags"] == ["oct-webinar", "data"] and lead["last_contacted_at"] is None
    assert client.get(f"{LEADS}/{lead['id']}", headers=crm.admin).json()["name"] == "Priya Shah"

    new_lead(name="Arjun", source="form", contact={"phone": "0044 20 7946 0000"})
    new_lead(name="Meera", source="whatsapp", status="qualified", tags=["data"])

    def names(query: str) -> list[str]:
        body = client.get(f"{LEADS}?{query}", headers=crm.admin).json()
        assert body["count"] == len(body["data"]) or "limit" in query
        return [row["name"] for row in body["data"]]

    assert names("sort=name") == ["Arjun", "Meera", "Priya Shah"]
    assert names("sort=-name&limit=1") == ["Priya Shah"]
    assert names("status=qualified") == ["Meera"]
    assert sorted(names("status=qualified&status=new")) == ["Arjun", "Meera", "Priya Shah"]
    assert names("source=WEBINAR") == ["Priya Shah"]
    assert names("tag=data&sort=name") == ["Meera", "Priya Shah"]
    assert names(f"assigned_to={crm.admin_id}") == ["Priya Shah"]
    assert names("q=priya") == ["Priya Shah"]
    assert names("q=98765") == ["Priya Shah"]
    assert names("q=442079") == ["Arjun"]
    assert names("q=100%25") == []
    assert len(names("contacted=false")) == 3
    listed = client.get(f"{LEADS}?limit=2&offset=2&sort=name", headers=crm.admin).json()
    assert listed["count"] == 3 and [r["name"] for r in listed["data"]] == ["Priya Shah"]

    patched = client.patch(f"{LEADS}/{lead['id']}", headers=crm.admin,
                           json={"status": "contacted", "tags": ["hot"], "assigned_to": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "contacted" and patched.json()["tags"] == ["hot"]
    assert patched.json()["assigned_to"] is None
    assert patched.json()["updated_at"] > lead["updated_at"]

    assert client.delete(f"{LEADS}/{lead['id']}", headers=crm.admin).status_code == 204
    assert client.get(f"{LEADS}/{lead['id']}", headers=crm.admin).status_code == 404
    assert crm.count("leads") == 2


def test_unknown_sort_is_422_naming_sort(client, crm) -> None:
    response = client.get(f"{LEADS}?sort=contact_key", headers=crm.admin)
    assert response.status_code == 422 and field_of(response) == "sort"


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
def test_roles_without_crm_access_are_refused(client, crm, new_lead, role) -> None:
    lead = new_lead()
    headers = crm.org.headers(role)
    assert client.get(LEADS, headers=headers).status_code == 403
    assert client.get(f"{LEADS}/{lead['id']}", headers=headers).status_code == 403
    assert client.post(LEADS, headers=headers, json={"name": "X"}).status_code == 403
    assert client.patch(f"{LEADS}/{lead['id']}", headers=headers, json={"name": "Y"}).status_code == 403
    assert client.delete(f"{LEADS}/{lead['id']}", headers=headers).status_code == 403
    assert crm.count("leads") == 1


def test_owner_manages_leads(client, crm) -> None:
    owner = crm.org.headers("owner")
    assert client.post(LEADS, headers=owner, json={"name": "By owner"}).status_code == 201
    assert client.get(LEADS, headers=owner).json()["count"] == 1


ALLOWED = [("new", "contacted"), ("new", "qualified"), ("new", "lost"), ("contacted", "qualified"),
           ("contacted", "won"), ("contacted", "lost"), ("qualified", "won"), ("qualified", "lost")]
REFUSED = [("new", "won"), ("contacted", "new"), ("qualified", "contacted"), ("qualified", "new"),
           ("lost", "won"), ("lost", "new"), ("lost", "contacted"), ("won", "lost"), ("won", "new")]


@pytest.mark.parametrize(("start", "target"), ALLOWED)
def test_allowed_status_moves(client, crm, new_lead, start, target) -> None:
    lead = new_lead(status=start)
    response = client.patch(f"{LEADS}/{lead['id']}", headers=crm.admin, json={"status": target})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == target


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_refused_status_moves_are_409_naming_from_and_to(client, crm, new_lead, start, target) -> None:
    lead = new_lead(status=start)
    response = client.patch(f"{LEADS}/{lead['id']}", headers=crm.admin,
                            json={"status": target, "name": "Renamed"})
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_status_transition"
    assert f"from '{start}' to '{target}'" in error["message"]
    assert error["details"]["from"] == start and error["details"]["to"] == target
    after = client.get(f"{LEADS}/{lead['id']}", headers=crm.admin).json()
    assert after["status"] == start and after["name"] == lead["name"]


def test_reopen_lost_then_progress(client, crm, new_lead) -> None:
    lead = new_lead(status="lost")
    reopened = client.post(f"{LEADS}/{lead['id']}/reopen", headers=crm.admin)
    assert reopened.status_code == 200 and reopened.json()["status"] == "new"
    open_again = client.post(f"{LEADS}/{lead['id']}/reopen", headers=crm.admin)
    assert open_again.status_code == 409 and "'new'" in open_again.json()["error"]["message"]
    for status in ("contacted", "won"):
        assert client.patch(f"{LEADS}/{lead['id']}", headers=crm.admin,
                            json={"status": status}).status_code == 200


def test_only_an_admin_reopens_a_won_lead(client, crm, new_lead) -> None:
    owner = crm.org.headers("owner")
    grant = {"customizations": {"role_permissions": {"teacher": {"grant": ["crm:read", "crm:manage"]}}}}
    assert client.patch("/api/v1/tenants/current", headers=owner, json=grant).status_code == 200
    sales_teacher = crm.org.headers("teacher")
    won, lost = new_lead(status="won"), new_lead(status="lost")
    refused = client.post(f"{LEADS}/{won['id']}/reopen", headers=sales_teacher)
    assert refused.status_code == 403
    assert client.post(f"{LEADS}/{lost['id']}/reopen", headers=sales_teacher).status_code == 200
    assert client.post(f"{LEADS}/{won['id']}/reopen", headers=crm.admin).json()["status"] == "new"


@pytest.mark.parametrize(("first", "second"), [
    ({"email": "dup@example.com"}, {"email": " DUP@example.COM"}),
    ({"phone": "+91 98765 43210"}, {"phone": "+91-98765-43210"}),
    ({"phone": "+44 20 7946 0000"}, {"whatsapp": "0044 (20) 7946-0000"}),
])
def test_duplicate_contact_is_409_with_the_existing_id(client, crm, new_lead, first, second) -> None:
    existing = new_lead(contact=first)
    response = client.post(LEADS, headers=crm.admin, json={"name": "Again", "contact": second})
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "duplicate_lead" and error["details"]["existing_id"] == existing["id"]
    assert crm.count("leads") == 1


def test_changing_contact_to_a_known_one_is_409(client, crm, new_lead) -> None:
    new_lead(contact={"email": "a@example.com"})
    other = new_lead(contact={"email": "b@example.com"})
    response = client.patch(f"{LEADS}/{other['id']}", headers=crm.admin,
                            json={"contact": {"email": "A@example.com"}})
    assert response.status_code == 409
    same = client.patch(f"{LEADS}/{other['id']}", headers=crm.admin,
                        json={"contact": {"email": "b@example.com", "phone": "+1 555 0100"}})
    assert same.status_code == 200 and same.json()["contact"]["phone"] == "+15550100"


def test_leads_without_contact_are_not_duplicates(client, crm, new_lead) -> None:
    new_lead(contact={})
    new_lead(contact={})
    assert crm.count("leads") == 2


BAD_CREATE = [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "A", "status": "hot"}, "status"),
    ({"name": "A", "contact": {"email": "not-an-email"}}, "contact.email"),
    ({"name": "A", "contact": {"phone": "call me"}}, "contact.phone"),
    ({"name": "A", "contact": {"fax": "123456"}}, "contact.fax"),
    ({"name": "A", "tags": ["t"] * 21}, "tags"),
    ({"name": "A", "tags": [""]}, "tags.0"),
    ({"name": "A", "source": ""}, "source"),
    ({"name": "A", "assigned_to": "not-a-uuid"}, "assigned_to"),
    ({"name": "A", "assigned_to": "00000000-0000-0000-0000-000000000001"}, "assigned_to"),
    ({"name": "A", "owner": "me"}, "owner"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATE)
def test_bad_lead_input_is_422_naming_the_field_and_writes_nothing(client, crm, body, field) -> None:
    response = client.post(LEADS, headers=crm.admin, json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert crm.count("leads") == 0


BAD_PATCH = [({"name": ""}, "name"), ({"status": "hot"}, "status"), ({"tags": "x"}, "tags"),
             ({"contact": {"email": "nope"}}, "contact.email"), ({"id": "x"}, "id"),
             ({"assigned_to": "00000000-0000-0000-0000-000000000001"}, "assigned_to")]


@pytest.mark.parametrize(("body", "field"), BAD_PATCH)
def test_bad_lead_patch_is_422_and_changes_nothing(client, crm, new_lead, body, field) -> None:
    lead = new_lead()
    response = client.patch(f"{LEADS}/{lead['id']}", headers=crm.admin, json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
    assert client.get(f"{LEADS}/{lead['id']}", headers=crm.admin).json() == lead


def test_assigning_to_another_tenants_user_is_422(client, crm, orgs) -> None:
    other_user, _ = orgs().user("admin")
    response = client.post(LEADS, headers=crm.admin, json={"name": "A", "assigned_to": str(other_user)})
    assert response.status_code == 422 and field_of(response) == "assigned_to"
