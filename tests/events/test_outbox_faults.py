"""The outbox under faults, with real processes: a worker SIGKILLed in the middle of a relay batch, the
broker restarted, PostgreSQL stopped and started. Every event is handled exactly once (one receipt,
one effect), none is lost, and a payment webhook refused during the outage is processed once a
retried delivery lands."""

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from celery import Celery
from replica_cluster import Cluster, provision

from domain.webhooks.signing import sign

PASSWORD = "faults-pass-123"
EVENTS = 40
EVENTS_DIR = Path(__file__).parent


def _until(check: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


class RelayTicker:
    """What beat does: send the relay task every second; a send while the broker is down is skipped."""

    def __init__(self, broker: str) -> None:
        self.app = Celery(broker=broker)
        self.app.conf.broker_connection_retry = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            with contextlib.suppress(Exception):  # the broker is down: the next tick tries again
                self.app.send_task("cognify.outbox.relay", retry=False)


def _school(cluster: Cluster, slug: str) -> tuple[str, dict[str, str], str, str]:
    [tenant] = provision(cluster, [(slug, "free")], PASSWORD).values()
    url = cluster.url(0)
    token = httpx.post(f"{url}/api/v1/auth/token", data={
        "username": f"owner@{slug}.example.com", "password": PASSWORD, "tenant": slug}).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    student = httpx.post(f"{url}/api/v1/students", headers=admin, json={
        "personal_info": {"name": "Priya Sharma", "email": "priya@example.com"}, "status": "inactive"})
    invoice = httpx.post(f"{url}/api/v1/invoices", headers=admin, json={
        "student_id": student.json()["id"], "amount": "100.00", "currency": "USD"})
    assert invoice.status_code == 201, invoice.text
    secret = httpx.get(f"{url}/api/v1/admin/webhook-secret", headers=admin).json()["webhook_secret"]
    return tenant["id"], admin, invoice.json()["id"], secret


def test_events_are_handled_exactly_once_through_a_killed_worker_a_broker_restart_and_a_database_outage(
        services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    cluster = Cluster(tmp_path_factory.mktemp("faults"), services["redis_url"], replicas=1, own_redis=True)
    cluster.start()
    ticker = RelayTicker(cluster.redis_url)
    try:
        tenant_id, _, invoice_id, secret = _school(cluster, "faults-school")
        tokens = [uuid4().hex for _ in range(EVENTS)]
        cluster.sql("INSERT INTO outbox_events (id, tenant_id, event_type, payload) "
                    "SELECT gen_random_uuid(), %(t)s, 'test.slow', "
                    "jsonb_build_object('token', tok, 'seconds', 0.15) "
                    "FROM unnest(%(tokens)s::text[]) AS tok", t=tenant_id, tokens=tokens)

        def receipts() -> int:
            return cluster.sql("SELECT count(*) FROM outbox_receipts r JOIN outbox_events e "
                               "ON e.id = r.event_id WHERE e.event_type = 'test.slow'")[0][0]

        env = {"PYTHONPATH": str(EVENTS_DIR), "COGNIFY_OUTBOX_BACKOFF_S": "0.2",
               "COGNIFY_OUTBOX_MAX_ATTEMPTS": "20"}
        first = cluster.start_worker("events_flaky", **env)
        ticker.thread.start()
        _until(lambda: receipts() >= 5, "the first handled events")
        cluster.kill_group(first)  # in the middle of its batch: the claimed rows are still locked by it
        killed_at = receipts()
        assert killed_at < EVENTS

        cluster.restart_redis()  # the broker (and the budgets' Redis) goes away and comes back
        cluster.start_worker("events_flaky", **env)
        _until(lambda: receipts() >= killed_at + 5, "progress after the restart")

        body = (f'{{"gateway_ref": "pay_outage", "invoice_id": "{invoice_id}", "amount": "100.00", '
                f'"currency": "usd", "status": "succeeded"}}').encode()

        deliveries = iter(range(1000))

        def deliver() -> httpx.Response:  # each delivery of the payment provider is signed afresh
            signature = sign(secret, body, int(time.time()) - next(deliveries))
            headers = {"X-Cognify-Signature": signature, "Content-Type": "application/json"}
            return httpx.post(f"{cluster.url(0)}/api/v1/webhooks/payments/faults-school", content=body,
                              headers=headers, timeout=30)

        cluster.pg.stop()
        during = deliver()
        time.sleep(5)  # the outage itself
        cluster.pg.start()
        assert during.status_code == 503, during.text  # not accepted: the provider delivers it again
        assert during.json()["error"]["code"] == "database_unavailable"
        assert int(during.headers["retry-after"]) > 0
        again = _until(lambda: (r := deliver()).status_code == 202 and r, "the retried webhook", timeout=60)
        assert again.json()["created"] is True

        _until(lambda: cluster.sql("SELECT count(*) FROM outbox_events WHERE processed_at IS NULL")[0][0] == 0
               and receipts() == EVENTS, "every event handled", timeout=120)
        handled = dict(cluster.sql("SELECT properties->>'token', count(*) FROM kpi_events "
                                   "WHERE event_type = 'test.slow' GROUP BY 1"))
        assert handled == {token: 1 for token in tokens}  # none lost, none handled twice
        assert cluster.sql("SELECT count(*) FROM dead_letters")[0][0] == 0
        assert cluster.sql("SELECT status FROM invoices WHERE id = %(i)s", i=invoice_id) == [("paid",)]
        assert cluster.sql("SELECT count(*) FROM payments")[0][0] == 1
        _until(lambda: cluster.sql("SELECT user_id IS NOT NULL FROM students")[0][0],
               "the paying student provisioned by the payment flow")
    finally:
        ticker.stop.set()
        cluster.stop()
