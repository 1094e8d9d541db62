"""Webhook signatures: missing, wrong, stale or replayed deliveries are 401 and write nothing."""

import time

import pytest
from events_helpers import sql, webhook_secret

from domain.webhooks.signing import sign

LEAD = {"name": "Asha Rao", "email": "asha@example.com", "source": "web_form"}


def _nothing_written(tenant_id) -> bool:
    return all(sql(tenant_id, f"SELECT count(*) FROM {t}") == 0
               for t in ("leads", "outbox_events", "conversations", "tasks"))


@pytest.mark.parametrize("case", ["missing", "wrong", "stale", "malformed", "other_secret"])
def test_bad_signatures_are_refused_without_a_trace(case, make_tenant, login, client, signed_post) -> None:
    tenant = make_tenant()
    secret = webhook_secret(client, login(tenant.slug, tenant.owner_email))
    path = f"/api/v1/webhooks/leads/{tenant.slug}"
    response = {
        "missing": lambda: signed_post(path, LEAD, None),
        "wrong": lambda: signed_post(path, LEAD, secret + "x"),
        "stale": lambda: signed_post(path, LEAD, secret, timestamp=int(time.time()) - 3600),
        "malformed": lambda: signed_post(path, LEAD, None, header="v1=deadbeef"),
        "other_secret": lambda: signed_post(path, LEAD, "whsec_not-this-tenants"),
    }[case]()
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "invalid_signature"
    assert _nothing_written(tenant.id)


def test_a_replayed_delivery_is_refused(make_tenant, login, client) -> None:
    tenant = make_tenant()
    secret = webhook_secret(client, login(tenant.slug, tenant.owner_email))
    body = b'{"name": "Asha Rao", "email": "asha@example.com"}'
    headers = {"X-Cognify-Signature": sign(secret, body), "Content-Type": "application/json"}
    path = f"/api/v1/webhooks/leads/{tenant.slug}"
    assert client.post(path, content=body, headers=headers).status_code == 202
    replay = client.post(path, content=body, headers=headers)
    assert replay.status_code == 401
    assert sql(tenant.id, "SELECT count(*) FROM leads") == 1
    assert sql(tenant.id, "SELECT count(*) FROM outbox_events") == 1


def test_unknown_tenant_and_rotated_secret_are_refused(make_tenant, login, client, signed_post) -> None:
    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    old = webhook_secret(client, admin)
    assert signed_post("/api/v1/webhooks/leads/no-such-tenant", LEAD, old).status_code == 401
    rotated = client.post("/api/v1/admin/webhook-secret/rotate", headers=admin)
    assert rotated.status_code == 200 and rotated.json()["webhook_secret"] != old
    path = f"/api/v1/webhooks/payments/{tenant.slug}"
    assert signed_post(path, {"gateway_ref": "x"}, old).status_code == 401
    assert _nothing_written(tenant.id)


def test_only_admins_read_the_webhook_secret(make_tenant, make_user, client) -> None:
    tenant = make_tenant()
    _, teacher = make_user(tenant, "teacher")
    assert client.get("/api/v1/admin/webhook-secret", headers=teacher).status_code == 403


def test_bad_webhook_signatures_are_throttled_per_address(make_tenant, throttle_limits, signed_post) -> None:
    throttle_limits(webhook_failures_per_address=4)
    t = make_tenant()
    path = f"/api/v1/webhooks/leads/{t.slug}"
    codes = [signed_post(path, {"name": "x"}, "whsec_wrong").status_code for _ in range(6)]
    assert codes == [401] * 4 + [429] * 2
    started = time.monotonic()
    refused = signed_post(path, {"name": "x"}, "whsec_wrong")
    assert refused.json()["error"]["code"] == "too_many_attempts" and time.monotonic() - started < 1
