"""User management: roles, owner protection, and bad input that writes nothing."""

from sqlalchemy import text

from cognify.db import tenant_session


def count_users(tenant_id) -> int:
    with tenant_session(tenant_id) as session:
        return session.execute(text("SELECT count(*) FROM users")).scalar_one()


def test_admin_manages_users(client, make_tenant, make_user) -> None:
    t = make_tenant()
    _, admin = make_user(t, "admin")
    body = {"email": "Sam@Example.com", "password": "long-enough-pw", "role": "teacher",
            "full_name": "Sam Teacher"}
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "sam@example.com" and "password" not in user
    assert "password_hash" not in user
    listed = client.get("/api/v1/users?role=teacher", headers=admin).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == user["id"]
    assert client.get("/api/v1/users?limit=1", headers=admin).json()["count"] == 3
    patched = client.patch(f"/api/v1/users/{user['id']}", json={"full_name": "Sam T."},
                           headers=admin)
    assert patched.json()["full_name"] == "Sam T."
    assert client.delete(f"/api/v1/users/{user['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/users/{user['id']}", headers=admin).status_code == 404


def test_duplicate_email_is_a_conflict(client, make_tenant, login) -> None:
    t = make_tenant()
    owner = login(t.slug, t.owner_email)
    body = {"email": t.owner_email.upper(), "password": "long-enough-pw", "role": "student"}
    response = client.post("/api/v1/users", json=body, headers=owner)
    assert response.status_code == 409 and response.json()["error"]["code"] == "email_taken"


def test_admin_cannot_create_or_promote_or_touch_owners(client, make_tenant, make_user) -> None:
    t = make_tenant()
    teacher_id, _ = make_user(t, "teacher")
    _, admin = make_user(t, "admin")
    body = {"email": "boss@example.com", "password": "long-enough-pw", "role": "owner"}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 403
    promote = client.patch(f"/api/v1/users/{teacher_id}", json={"role": "owner"}, headers=admin)
    assert promote.status_code == 403
    demote = client.patch(f"/api/v1/users/{t.owner_id}", json={"role": "student"}, headers=admin)
    assert demote.status_code == 403
    assert client.delete(f"/api/v1/users/{t.owner_id}", headers=admin).status_code == 403
    assert count_users(t.id) == 3


def test_owner_can_create_another_owner(client, make_tenant, login) -> None:
    t = make_tenant()
    owner = login(t.slug, t.owner_email)
    body = {"email": "co@example.com", "password": "long-enough-pw", "role": "owner"}
    assert client.post("/api/v1/users", json=body, headers=owner).status_code == 201


def test_nobody_disables_or_deletes_themselves(client, make_tenant, login) -> None:
    t = make_tenant()
    owner = login(t.slug, t.owner_email)
    me = f"/api/v1/users/{t.owner_id}"
    assert client.patch(me, json={"is_active": False}, headers=owner).status_code == 403
    assert client.delete(me, headers=owner).status_code == 403


BAD_BODIES = [
    ({"email": "not-an-email", "password": "long-enough-pw", "role": "student"}, "email"),
    ({"email": "a@example.com", "password": "short", "role": "student"}, "password"),
    ({"email": "a@example.com", "password": "long-enough-pw", "role": "wizard"}, "role"),
    ({"email": "a@example.com", "password": "long-enough-pw", "role": "student",
      "full_name": "x" * 201}, "full_name"),
    ({"email": "a@example.com", "password": 12345678, "role": "student"}, "password"),
    ({"email": "a@example.com", "password": "long-enough-pw", "role": "student",
      "is_admin": True}, "is_admin"),
    ({"password": "long-enough-pw", "role": "student"}, "email"),
]


def test_bad_input_is_422_naming_the_field_and_writes_nothing(client, make_tenant, login) -> None:
    t = make_tenant()
    owner = login(t.slug, t.owner_email)
    for body, field in BAD_BODIES:
        response = client.post("/api/v1/users", json=body, headers=owner)
        assert response.status_code == 422, (body, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["message"].startswith(field), (field, error["message"])
    malformed = client.post("/api/v1/users", content=b'{"email": ', headers=owner | {
        "Content-Type": "application/json"})
    assert malformed.status_code == 422 and "traceback" not in malformed.text.lower()
    bad_patch = client.patch(f"/api/v1/users/{t.owner_id}", json={"role": 5, "nope": 1},
                             headers=owner)
    assert bad_patch.status_code == 422
    assert client.get("/api/v1/users/not-a-uuid", headers=owner).status_code == 422
    assert client.get("/api/v1/users?limit=0", headers=owner).json()["error"]["message"].startswith(
        "limit")
    assert count_users(t.id) == 1


def test_patch_null_is_422_for_fields_that_cannot_be_empty(client, make_tenant, login) -> None:
    t = make_tenant()
    owner = login(t.slug, t.owner_email)
    before = client.get(f"/api/v1/users/{t.owner_id}", headers=owner).json()
    for field in ("password", "role", "is_active", "full_name"):  # `password: null` was a 500
        response = client.patch(f"/api/v1/users/{t.owner_id}", json={field: None}, headers=owner)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["message"].startswith(field), response.text
    assert client.get(f"/api/v1/users/{t.owner_id}", headers=owner).json() == before
    renamed = client.patch("/api/v1/tenants/current", json={"name": ""}, headers=owner)
    assert renamed.status_code == 422 and renamed.json()["error"]["message"].startswith("name")
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert schema["UserUpdate"]["properties"]["password"]["type"] == "string"
    assert "anyOf" not in schema["UserUpdate"]["properties"]["role"]
    assigned = schema["TaskUpdate"]["properties"]["assigned_to"]["anyOf"]  # nullable: unassigns
    assert {"type": "null"} in assigned


def test_unknown_route_and_method_use_the_error_shape(client) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = client.put("/api/v1/me")
    assert response.status_code == 405 and "error" in response.json()
