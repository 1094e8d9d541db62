"""Sign-in throttling: per account and address, a sliding window, exact under concurrency, admin unlock."""

from concurrent.futures import ThreadPoolExecutor

from cognify import throttle
from cognify.errors import Unauthorized
from cognify.redis import get_redis
from cognify.settings import get_settings
from domain.identity import signin

TOKEN = "/api/v1/auth/token"


def form(tenant: str, email: str, password: str) -> dict[str, str]:
    return {"username": email, "password": password, "tenant": tenant}


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, make_tenant) -> None:
    t = make_tenant()
    wrong = [form(t.slug, t.owner_email, f"wrong-{i}") for i in range(30)]
    codes = [client.post(TOKEN, data=attempt).status_code for attempt in wrong]
    assert codes == [401] * 5 + [429] * 25
    right = client.post(TOKEN, data=form(t.slug, t.owner_email, t.password))
    assert right.status_code == 429
    assert right.json() == {"error": {"code": "too_many_attempts", "message": throttle.TOO_MANY}}
    assert 0 < int(right.headers["Retry-After"]) <= get_settings().throttle_window_s
    # Another account from the same address is not locked by this one.
    other = make_tenant()
    assert client.post(TOKEN, data=form(other.slug, other.owner_email, other.password)).status_code == 200


def test_a_locked_account_looks_like_a_wrong_password_or_a_missing_account(client, make_tenant) -> None:
    t = make_tenant()
    names = {"right": (t.owner_email, t.password), "wrong": (t.owner_email, "nope-nope"),
             "missing": (f"ghost@{t.slug}.example.com", t.password)}
    for email, _ in (names["right"], names["missing"]):
        for i in range(5):
            assert client.post(TOKEN, data=form(t.slug, email, f"bad-{i}")).status_code == 401
    answers = []
    for email, password in names.values():
        r = client.post(TOKEN, data=form(t.slug, email, password))
        # The window is 900 s; a busy machine may take a few seconds between the failures and now.
        answers.append((r.status_code, r.text, 880 <= int(r.headers["Retry-After"]) <= 900,
                        sorted(k for k in r.headers if k not in ("x-request-id", "content-length"))))
    assert answers[0] == answers[1] == answers[2] and answers[0][0] == 429


def test_the_window_slides_and_a_success_clears_the_account(client, make_tenant, throttle_limits) -> None:
    throttle_limits(login_failures_per_account=3)
    t = make_tenant()
    for i in range(3):
        assert client.post(TOKEN, data=form(t.slug, t.owner_email, f"bad-{i}")).status_code == 401
    assert client.post(TOKEN, data=form(t.slug, t.owner_email, t.password)).status_code == 429
    key, redis = throttle.account_key(t.slug, t.owner_email), get_redis()
    members = redis.zrange(key, 0, -1, withscores=True)
    oldest, *rest = sorted(members, key=lambda m: m[1])
    window_ms = get_settings().throttle_window_s * 1000
    redis.zadd(key, {oldest[0]: oldest[1] - window_ms})  # the oldest failure leaves the window
    assert client.post(TOKEN, data=form(t.slug, t.owner_email, t.password)).status_code == 200
    assert redis.zcard(key) == 0  # a success forgets the account's failures


def test_parallel_wrong_attempts_get_exactly_the_limit_of_checks(make_tenant, throttle_limits) -> None:
    throttle_limits(login_failures_per_account=5)
    t = make_tenant()

    def attempt(i: int) -> str:
        try:
            signin.sign_in(t.slug, t.owner_email, f"wrong-{i}", "203.0.113.7")
        except throttle.Throttled:
            return "throttled"
        except Unauthorized:
            return "checked"
        return "signed in"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("checked") == 5 and outcomes.count("throttled") == 15


def test_one_address_spraying_many_accounts_is_throttled(make_tenant, throttle_limits) -> None:
    throttle_limits(login_failures_per_address=8)
    t = make_tenant()
    outcomes = []
    for i in range(12):
        try:
            signin.sign_in(t.slug, f"user{i}@{t.slug}.example.com", "guess", "198.51.100.9")
        except throttle.Throttled:
            outcomes.append(429)
        except Unauthorized:
            outcomes.append(401)
    assert outcomes == [401] * 8 + [429] * 4
    # Another address still signs in the real owner.
    assert signin.sign_in(t.slug, t.owner_email, t.password, "198.51.100.10").access_token


def test_admins_see_and_lift_a_lock_students_cannot(client, make_tenant, make_user, login) -> None:
    t = make_tenant()
    student_id, student = make_user(t, "student")
    email = client.get("/api/v1/me", headers=student).json()["email"]
    owner = login(t.slug, t.owner_email)
    for i in range(5):
        client.post(TOKEN, data=form(t.slug, email, f"bad-{i}"))
    lock = f"/api/v1/users/{student_id}/sign-in-lock"
    state = client.get(lock, headers=owner).json()
    assert state["locked"] is True and state["failures"] == 5 and 0 < state["retry_after"] <= 900
    assert client.delete(lock, headers=student).status_code == 403
    assert client.post(TOKEN, data=form(t.slug, email, "correct-horse-battery")).status_code == 429
    assert client.delete(lock, headers=owner).status_code == 204
    assert client.get(lock, headers=owner).json() == {"locked": False, "failures": 0, "retry_after": None}
    assert client.post(TOKEN, data=form(t.slug, email, "correct-horse-battery")).status_code == 200
    other = make_tenant()
    assert client.get(lock, headers=login(other.slug, other.owner_email)).status_code == 404


def test_docs_sign_in_sends_the_tenant_as_client_id(client, make_tenant) -> None:
    t = make_tenant()
    oauth = {"grant_type": "password", "username": t.owner_email, "password": t.password,
             "client_id": t.slug, "scope": ""}
    assert client.post(TOKEN, data=oauth).status_code == 200
    missing = client.post(TOKEN, data={"username": t.owner_email, "password": t.password})
    assert missing.status_code == 422 and missing.json()["error"]["message"].startswith("tenant")
    scheme = client.get("/openapi.json").json()["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == TOKEN
