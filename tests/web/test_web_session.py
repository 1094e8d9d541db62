"""Console sign-in: cookie flags, CSRF on every POST, logout, and redirects without a session."""

from web_setup import FORM_CSRF, PASSWORD, add_user, sign_in


def test_login_sets_a_secure_http_only_lax_cookie_and_logout_clears_it(web, make_tenant):
    tenant = make_tenant()
    form = web.get("/app/login")
    assert form.status_code == 200
    assert 'for="tenant"' in form.text and 'for="email"' in form.text and 'for="password"' in form.text
    token = FORM_CSRF.search(form.text).group(1)

    response = web.post(
        "/app/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.owner_email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/app/copilot",
        },
    )

    assert response.status_code == 303 and response.headers["location"] == "/app/copilot"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("cognify_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax", "path=/app"} <= flags
    home = web.get("/app/")
    assert home.status_code == 200 and "Olive Owner" in home.text
    csrf = FORM_CSRF.search(home.text).group(1)

    out = web.post("/app/logout", data={"csrf_token": csrf})

    assert out.status_code == 303 and out.headers["location"] == "/app/login"
    assert web.get("/app/").status_code == 303


def test_bad_credentials_and_open_redirects_are_refused(web, make_tenant):
    tenant = make_tenant()
    token = FORM_CSRF.search(web.get("/app/login").text).group(1)
    wrong = web.post(
        "/app/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.owner_email,
            "password": "nope-nope-nope",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 401 and "Incorrect email, password or tenant" in wrong.text
    assert "cognify_session" not in wrong.headers.get("set-cookie", "")
    token = FORM_CSRF.search(wrong.text).group(1)
    ok = web.post(
        "/app/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.owner_email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example.com/app/",
        },
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/app/"


def test_every_post_needs_the_csrf_token(web, make_tenant):
    tenant = make_tenant()
    web.get("/app/login")
    no_token = web.post(
        "/app/login", data={"tenant": tenant.slug, "email": tenant.owner_email, "password": PASSWORD}
    )
    assert no_token.status_code == 403
    csrf = sign_in(web, tenant.slug, tenant.owner_email)

    assert web.post("/app/logout").status_code == 403
    assert web.post("/app/logout", data={"csrf_token": "0" * 64}).status_code == 403
    assert web.post("/app/agents/copilot/threads", headers={"Accept": "application/json"}).status_code == 403
    forged = web.post(
        "/app/agents/copilot/threads", headers={"Accept": "application/json", "X-CSRF-Token": "x"}
    )
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
    made = web.post(
        "/app/agents/copilot/threads", headers={"Accept": "application/json", "X-CSRF-Token": csrf}
    )
    assert made.status_code == 201 and made.json()["thread_id"]
    assert web.get("/app/").status_code == 200


def test_pages_send_visitors_without_a_session_to_login(web):
    response = web.get("/app/proctor/queue")
    assert (
        response.status_code == 303 and response.headers["location"] == "/app/login?next=/app/proctor/queue"
    )
    web.cookies.set("cognify_session", "not-a-token")
    assert web.get("/app/copilot").status_code == 303
    api_style = web.post("/app/agents/copilot/threads", headers={"Accept": "application/json"})
    assert api_style.status_code == 401


def test_student_never_sees_staff_pages(web, make_tenant):
    tenant = make_tenant()
    _, email = add_user(tenant.id, "student")
    sign_in(web, tenant.slug, email)
    home = web.get("/app/")
    assert "Review queue" not in home.text and "/app/copilot" not in home.text
    for path in ("/app/proctor/queue", "/app/copilot", f"/app/proctor/sessions/{tenant.id}"):
        page = web.get(path)
        assert page.status_code == 403, path
        assert "Forbidden" in page.text and "text/html" in page.headers["content-type"]


def test_console_sign_in_is_throttled_too(web, make_tenant) -> None:
    t = make_tenant()
    page = web.get("/app/login")
    for i in range(6):
        token = FORM_CSRF.search(page.text).group(1)
        page = web.post("/app/login", data={"tenant": t.slug, "email": t.owner_email,
                                            "password": f"bad-{i}", "csrf_token": token})
    assert page.status_code == 429 and "Too many failed sign-ins" in page.text
    assert int(page.headers["Retry-After"]) > 0
    token = FORM_CSRF.search(page.text).group(1)
    right = web.post("/app/login", data={"tenant": t.slug, "email": t.owner_email, "password": t.password,
                                         "csrf_token": token})
    assert right.status_code == 429
