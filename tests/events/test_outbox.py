"""The outbox: relayed by a real worker, retried with backoff, dead-lettered, retried by an admin."""

from uuid import uuid4

from events_flaky import FLAKY, fail_key
from events_helpers import sql, wait_for

from cognify.db import tenant_session
from cognify.events import emit
from cognify.redis import get_redis


def _emit(tenant_id, token: str):
    with tenant_session(tenant_id) as session:
        return emit(session, FLAKY, {"token": token})


def _handled(tenant_id, token: str) -> int:
    return sql(tenant_id, "SELECT count(*) FROM kpi_events WHERE properties->>'token' = :t", t=token)


def test_the_worker_consumes_from_the_session_broker(worker) -> None:
    """Redis by default; RabbitMQ when CELERY_BROKER_URL says so (tests/kernel/test_brokers.py)."""
    import os

    expected = "amqp://guest:**@" if os.environ.get("CELERY_BROKER_URL", "").startswith("amqp") else "redis://"
    assert f"transport:   {expected}" in worker.read_text(errors="replace")


def test_event_committed_with_its_change_is_relayed_by_the_worker(worker, make_tenant) -> None:
    tenant = make_tenant()
    token = uuid4().hex
    event_id = _emit(tenant.id, token)
    wait_for(lambda: _handled(tenant.id, token), what="the handler's row")
    wait_for(lambda: sql(tenant.id, "SELECT processed_at FROM outbox_events WHERE id = :id", id=event_id))
    assert sql(tenant.id, "SELECT count(*) FROM outbox_receipts WHERE event_id = :id", id=event_id) == 1
    assert _handled(tenant.id, token) == 1


def test_rolled_back_change_emits_nothing(worker, make_tenant) -> None:
    tenant = make_tenant()
    try:
        with tenant_session(tenant.id) as session:
            emit(session, FLAKY, {"token": "never"})
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert sql(tenant.id, "SELECT count(*) FROM outbox_events") == 0


def test_failing_handler_is_retried_dead_lettered_and_admin_retry_completes_it(
    worker, make_tenant, login, client,
) -> None:
    tenant = make_tenant()
    admin = login(tenant.slug, tenant.owner_email)
    token = uuid4().hex
    get_redis().set(fail_key(token), "1", ex=120)
    event_id = _emit(tenant.id, token)

    def dead() -> list:
        return client.get("/api/v1/admin/dead-letters", headers=admin).json()["data"]

    letters = wait_for(dead, what="a dead letter")
    assert len(letters) == 1
    letter = letters[0]
    assert letter["event_id"] == str(event_id) and letter["handler"] == "test.flaky_handler"
    assert letter["attempts"] == 3 and "told to fail" in letter["error"]
    assert sql(tenant.id, "SELECT attempts FROM outbox_events WHERE id = :id", id=event_id) == 3
    assert _handled(tenant.id, token) == 0

    get_redis().delete(fail_key(token))
    response = client.post(f"/api/v1/admin/dead-letters/{letter['id']}/retry", headers=admin)
    assert response.status_code == 202, response.text
    wait_for(lambda: sql(tenant.id, "SELECT resolved_at FROM dead_letters WHERE id = :id", id=letter["id"]),
             what="the dead letter to resolve")
    assert _handled(tenant.id, token) == 1
    again = client.post(f"/api/v1/admin/dead-letters/{letter['id']}/retry", headers=admin)
    assert again.status_code == 409


def test_dead_letters_need_workflows_manage_and_stay_in_their_tenant(
    worker, make_tenant, make_user, login, client,
) -> None:
    tenant, other = make_tenant(), make_tenant()
    _, teacher = make_user(tenant, "teacher")
    assert client.get("/api/v1/admin/dead-letters", headers=teacher).status_code == 403
    token = uuid4().hex
    get_redis().set(fail_key(token), "1", ex=120)
    _emit(tenant.id, token)
    wait_for(lambda: sql(tenant.id, "SELECT count(*) FROM dead_letters"), what="a dead letter")
    other_admin = login(other.slug, other.owner_email)
    assert client.get("/api/v1/admin/dead-letters", headers=other_admin).json()["count"] == 0
