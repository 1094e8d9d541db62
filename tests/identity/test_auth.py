"""Authentication: every refusal is 401/403 with the one error shape."""

from datetime import UTC, datetime, timedelta

import jwt

from cognify.settings import get_settings


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


def token_form(tenant: str, email: str, password: str) -> dict[str, str]:
    return {"username": email, "password": password, "tenant": tenant}


def test_login_issues_a_bearer_token(client, make_tenant) -> None:
    t = make_tenant()
    response = client.post("/api/v1/auth/token", data=token_form(t.slug, t.owner_email, t.password))
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], get_settings().secret_key, algorithms=["HS256"])
    assert claims["sub"] == str(t.owner_id) and claims["tenant_id"] == str(t.id)
    assert claims["role"] == "owner"


def test_wrong_password_unknown_tenant_and_user_look_the_same(client, make_tenant) -> None:
    t = make_tenant()
    attempts = [
        token_form(t.slug, t.owner_email, "wrong-password"),
        token_form("no-such-tenant", t.owner_email, t.password),
        token_form(t.slug, "nobody@example.com", t.password),
    ]
    errors = [assert_error(client.post("/api/v1/auth/token", data=a), 401) for a in attempts]
    assert errors[0] == errors[1] == errors[2]


def test_login_is_per_tenant(client, make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    response = client.post("/api/v1/auth/token", data=token_form(b.slug, a.owner_email, a.password))
    assert_error(response, 401)


def _forge(claims: dict, key: str | None = None) -> dict[str, str]:
    token = jwt.encode(claims, key or get_settings().secret_key, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_expired_tampered_and_malformed_tokens_are_refused(client, make_tenant) -> None:
    t = make_tenant()
    now = datetime.now(UTC)
    base = {"sub": str(t.owner_id), "tenant_id": str(t.id), "role": "owner", "typ": "access"}
    expired = _forge(base | {"iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)})
    assert assert_error(client.get("/api/v1/me", headers=expired), 401)["code"] == "token_expired"
    wrong_key = _forge(base | {"exp": now + timedelta(hours=1)}, key="x" * 48)
    assert_error(client.get("/api/v1/me", headers=wrong_key), 401)
    good = _forge(base | {"exp": now + timedelta(hours=1)})["Authorization"]
    head, payload, signature = good.split(" ")[1].split(".")
    tampered = {"Authorization": f"Bearer {head}.{payload}.{signature[:-2]}AA"}
    assert_error(client.get("/api/v1/me", headers=tampered), 401)
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-jwt"}), 401)
    assert_error(client.get("/api/v1/me"), 401)


def test_token_naming_a_user_of_another_tenant_is_refused(client, make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    now = datetime.now(UTC)
    forged = _forge({"sub": str(b.owner_id), "tenant_id": str(a.id), "role": "owner",
                     "typ": "access", "exp": now + timedelta(hours=1)})
    assert_error(client.get("/api/v1/me", headers=forged), 401)


def test_disabled_user_cannot_log_in_and_their_token_stops_working(
    client, make_tenant, make_user, login
) -> None:
    t = make_tenant()
    user_id, user_headers = make_user(t, "teacher", email="tina@example.com")
    assert client.get("/api/v1/me", headers=user_headers).status_code == 200
    owner = login(t.slug, t.owner_email)
    response = client.patch(f"/api/v1/users/{user_id}", json={"is_active": False}, headers=owner)
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert_error(client.get("/api/v1/me", headers=user_headers), 401)
    form = token_form(t.slug, "tina@example.com", "correct-horse-battery")
    assert_error(client.post("/api/v1/auth/token", data=form), 401)


def test_token_used_against_another_tenants_slug_is_forbidden(client, make_tenant, login) -> None:
    a, b = make_tenant(), make_tenant()
    headers = login(a.slug, a.owner_email)
    assert client.get(f"/api/v1/tenants/{a.slug}", headers=headers).json()["id"] == str(a.id)
    assert assert_error(client.get(f"/api/v1/tenants/{b.slug}", headers=headers), 403)["code"] == (
        "wrong_tenant"
    )


def test_student_gets_403_on_admin_endpoints(client, make_tenant, make_user) -> None:
    t = make_tenant()
    _, student = make_user(t, "student")
    assert_error(client.get("/api/v1/users", headers=student), 403)
    body = {"email": "new@example.com", "password": "long-enough-pw", "role": "student"}
    assert_error(client.post("/api/v1/users", json=body, headers=student), 403)
    assert_error(client.patch(f"/api/v1/users/{t.owner_id}", json={"full_name": "x"},
                              headers=student), 403)
    assert_error(client.delete(f"/api/v1/users/{t.owner_id}", headers=student), 403)
    assert_error(client.patch("/api/v1/tenants/current", json={"name": "x"}, headers=student), 403)
    me = client.get("/api/v1/me", headers=student).json()
    assert me["role"] == "student" and "users:manage" not in me["permissions"]
