"""Health, readiness, metrics and structured logs."""

import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.config import LOCAL_MODEL_URL_ENV


def _port_nothing_listens_on() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = json.dumps({"object": "list", "data": [{"id": "smollm2", "object": "model"}]}).encode()
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def embedded_gateway(monkeypatch):
    """The embedded gateway config (other tests' session fixtures may have set another)."""
    from cognify.settings import get_settings
    from gateway.service import get_core

    monkeypatch.delenv("COGNIFY_GATEWAY_CONFIG", raising=False)
    get_settings.cache_clear()
    get_core.cache_clear()
    yield
    get_settings.cache_clear()
    get_core.cache_clear()


def test_health_ready_and_metrics(client, monkeypatch, embedded_gateway) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    # No model server where the embedded gateway looks: ready, but degraded, and said so.
    monkeypatch.setenv(LOCAL_MODEL_URL_ENV, f"http://127.0.0.1:{_port_nothing_listens_on()}/v1")
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok", "gateway": "ok"}
    assert ready.json()["status"] == "degraded"
    assert ready.json()["degraded"] == {"model_server": "unreachable"}
    # A model server answering its OpenAI `/models`: fully ready.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv(LOCAL_MODEL_URL_ENV, f"http://127.0.0.1:{server.server_port}/v1")
        ready = client.get("/readyz").json()
        # The ledger stream is shared with the other xdist worker, whose gateway calls may be in flight.
        assert ready["status"] == "ok"
        assert ready["checks"] == {"database": "ok", "redis": "ok", "gateway": "ok"}
        assert ready["ledger"]["dead"] == 0 and isinstance(ready["ledger"]["backlog"], int)
    finally:
        server.shutdown()
        server.server_close()
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'cognify_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text
    # Exported on every scrape; its value is the shared stream's length.
    gauge = re.search(r"^cognify_gateway_ledger_backlog \d+\.\d+$", metrics.text, re.MULTILINE)
    assert gauge, metrics.text[-2000:]


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
