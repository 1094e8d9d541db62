"""Health, readiness, metrics and structured logs."""

import json
import logging


def test_health_ready_and_metrics(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'cognify_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text


def test_openapi_docs_are_served(client) -> None:
    assert client.get("/docs").status_code == 200
    assert "/api/v1/auth/token" in client.get("/openapi.json").json()["paths"]


def test_log_lines_carry_request_tenant_and_user(client, make_tenant, login, caplog) -> None:
    t = make_tenant()
    headers = login(t.slug, t.owner_email) | {"X-Request-ID": "req-test-123"}
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="cognify.http"):
        response = client.get("/api/v1/me", headers=headers)
    assert response.headers["x-request-id"] == "req-test-123"
    handler = logging.getLogger().handlers[0]
    lines = [json.loads(handler.format(r)) for r in caplog.records if r.name == "cognify.http"]
    request_line = next(line for line in lines if line.get("event") == "request")
    assert request_line["request_id"] == "req-test-123"
    assert request_line["tenant_id"] == str(t.id) and request_line["user_id"] == str(t.owner_id)
    assert request_line["status"] == 200


def test_unhandled_errors_hide_internals(client, make_tenant, login) -> None:
    t = make_tenant()
    headers = login(t.slug, t.owner_email)
    response = client.get("/api/v1/users?sort=id;drop", headers=headers)
    assert "Traceback" not in response.text and "SELECT" not in response.text
