"""The durable ledger: settle appends to a Redis Stream atomically; a mover writes each entry once."""

import re
import uuid
from decimal import Decimal

import psycopg
from gateway_helpers import chat, ledger_rows


def _spent_nano(tenant_id: uuid.UUID) -> int:
    from cognify.redis import get_redis
    from gateway.budgets import tenant_budget_key

    return int(get_redis().hget(tenant_budget_key(tenant_id), "spent") or 0)


def _entry(tenant_id: uuid.UUID, **fields: object) -> dict[str, object]:
    from cognify.models import utcnow

    return {"id": uuid.uuid4(), "tenant_id": tenant_id, "created_at": utcnow(), "user_id": None,
            "key_id": None, "purpose": "api", "model_group": "fast", "deployment": "fast-vllm",
            "prompt_tokens": 3, "completion_tokens": 4, "cost_nano": 11_000, "latency_ms": 5, "ttft_ms": None,
            "cache_hit": False, "stream": False, "outcome": "ok", **fields}


def test_calls_answer_while_the_table_is_locked_and_every_settled_call_lands_once(
        client, gw_tenant, services) -> None:
    from cognify.redis import get_redis
    from gateway.ledger import STREAM

    t = gw_tenant()
    owner = psycopg.connect(services["database_url"].replace("+psycopg", ""))
    owner.execute("LOCK TABLE gateway_usage IN ACCESS EXCLUSIVE MODE")  # the mover's inserts now wait
    try:
        for i in range(6):
            r = client.post("/v1/chat/completions", json=chat("fast", f"locked {i}"), headers=t.key_headers)
            assert r.status_code == 200, r.text
        r = client.post("/v1/chat/completions", json=chat("down"), headers=t.key_headers)
        assert r.status_code >= 500
        assert get_redis().xlen(STREAM) >= 7  # settled, answered, and still only in Redis
        ready = client.get("/readyz").json()
        assert ready["ledger"]["backlog"] >= 7
        gauge = re.search(r"^cognify_gateway_ledger_backlog (\S+)$", client.get("/metrics").text, re.M)
        assert gauge and float(gauge.group(1)) >= 7
    finally:
        owner.rollback()
        owner.close()
    rows = ledger_rows(t.id)
    assert sorted(row["outcome"] for row in rows) == ["error"] + ["ok"] * 6
    assert all(row["request_id"] and len(row["request_id"]) == 32 for row in rows)
    assert len({row["id"] for row in rows}) == 7
    assert sum((row["cost_usd"] for row in rows), Decimal(0)) * 10**9 == _spent_nano(t.id) > 0
    assert client.get("/readyz").json()["ledger"] == {"backlog": 0, "dead": 0}


def test_entries_a_dead_process_left_unacknowledged_are_taken_over_and_written_once(
        client, gw_tenant) -> None:
    from cognify.redis import get_redis
    from gateway.ledger import GROUP, STREAM, LedgerMover, encode

    t = gw_tenant()
    redis = get_redis()
    entries = [_entry(t.id) for _ in range(4)]
    # A process appends the entries and reads them as a mover, in one MULTI (so no live mover, here or in
    # the Celery worker, reads them first), then dies before acknowledging them.
    dead = redis.pipeline(transaction=True)
    for entry in [*entries, entries[0]]:  # the last is a retried append of the same call
        dead.xadd(STREAM, {"row": encode(entry)})
    dead.xreadgroup(GROUP, "gone-host-1", {STREAM: ">"}, count=100)
    *appended, got = dead.execute()
    assert set(appended) <= {entry_id for entry_id, _ in got[0][1]}

    live = LedgerMover(claim_idle=0.0)  # the test drives it; its thread never starts
    live.consumer = "test-taker"

    def pending(consumer: str) -> list[object]:
        return redis.xpending_range(STREAM, GROUP, "-", "+", 100, consumername=consumer)

    while pending("gone-host-1"):
        assert live.step(), "nothing left to take over"
    assert pending("test-taker") == []
    rows = ledger_rows(t.id)
    assert sorted(row["id"] for row in rows) == sorted(entry["id"] for entry in entries)
    assert all(row["cost_usd"] == Decimal("0.000011") for row in rows)


def test_an_entry_the_database_refuses_is_kept_aside_and_the_batch_lands(client, gw_tenant) -> None:
    from cognify.redis import get_redis
    from gateway.ledger import DEAD, STREAM, encode
    from gateway.service import get_core

    t = gw_tenant()
    redis = get_redis()
    redis.delete(DEAD)
    good, bad = _entry(t.id), _entry(t.id, purpose="p" * 300)  # too long for the column
    redis.xadd(STREAM, {"row": encode(good)})
    redis.xadd(STREAM, {"row": encode(bad)})
    get_core().ledger.flush()
    assert [row["id"] for row in ledger_rows(t.id)] == [good["id"]]
    [(_, fields)] = redis.xrange(DEAD)
    assert str(bad["id"]) in fields[b"row"].decode()
    assert b"too long" in fields[b"error"]
    ready = client.get("/readyz").json()
    assert ready["ledger"] == {"backlog": 0, "dead": 1}
    assert ready["degraded"]["ledger"] == "dead_entries"
    redis.delete(DEAD)
