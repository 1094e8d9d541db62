"""Keys (CLI and admin API), the usage report, and the in-process LangChain client."""

import asyncio
import json

from gateway_helpers import chat, ledger_rows
from typer.testing import CliRunner


def test_cli_creates_a_key_shown_once_and_stored_hashed(client, make_tenant, upstreams) -> None:
    from sqlalchemy import text

    from cognify.cli import app
    from cognify.db import owner_engine

    tenant = make_tenant()
    result = CliRunner().invoke(app, ["keys", "create", "--tenant", tenant.slug, "--name", "ci",
                                      "--budget-usd", "2.50", "--rpm", "60"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout.strip().splitlines()[-1])
    assert created["key"].startswith("ck-")
    with owner_engine().connect() as conn:
        stored = conn.execute(text("SELECT * FROM gateway_keys WHERE id = :id"), {"id": created["id"]}).one()
    assert created["key"] not in json.dumps(dict(stored._mapping), default=str)
    bearer = {"Authorization": f"Bearer {created['key']}"}
    r = client.post("/v1/chat/completions", json=chat("fast"), headers=bearer)
    assert r.status_code == 200, r.text


def test_keys_api_is_admin_only_and_never_lists_secrets(client, gw_tenant, make_tenant, make_user) -> None:
    t = gw_tenant()
    listed = client.get("/api/v1/gateway/keys", headers=t.owner_headers).json()
    assert listed["count"] == 1 and "key" not in listed["data"][0] and "key_hash" not in listed["data"][0]
    tenant = make_tenant()
    _, teacher = make_user(tenant, "teacher")
    assert client.post("/api/v1/gateway/keys", json={}, headers=teacher).status_code == 403
    _, parent = make_user(tenant, "parent")
    refused = client.get("/v1/models", headers=parent)
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "permission_error"


def test_usage_report_groups_spend(client, gw_tenant) -> None:
    t = gw_tenant()
    for model in ("fast", "fast", "tutor"):
        assert client.post("/v1/chat/completions", json=chat(model), headers=t.key_headers).status_code == 200
    ledger_rows(t.id)
    report = client.get("/api/v1/gateway/usage?group_by=model_group", headers=t.owner_headers).json()
    by_group = {row["key"]: row for row in report["data"]}
    assert by_group["fast"]["calls"] == 2 and by_group["tutor"]["calls"] == 1
    assert report["total"]["prompt_tokens"] == 30
    assert report["total"]["cost_usd"] == "0.000060000"
    assert client.get("/api/v1/gateway/usage", headers={"Authorization": "Bearer x"}).status_code == 401


def test_langchain_client_goes_through_policy_and_ledger(client, gw_tenant, upstreams) -> None:
    from langchain_core.tools import tool

    from cognify.security import Actor, Role, permissions_for
    from gateway.client import GatewayChatModel

    t = gw_tenant(plan="restricted")
    actor = Actor(t.owner_id, t.id, Role.owner, permissions_for(Role.owner))

    @tool
    def weather(city: str) -> str:
        """The weather in a city."""
        return city

    async def run() -> None:
        model = GatewayChatModel(actor=actor, purpose="copilot", model="fast")
        assert (await model.ainvoke("bonjour")).content == "main says: bonjour"
        called = await model.bind_tools([weather]).ainvoke("weather?")
        assert called.tool_calls[0]["name"] == "weather"
        streamed = "".join([str(c.content) async for c in model.astream("a b c")])
        assert streamed == "main says: a b c"
        denied = GatewayChatModel(actor=actor, purpose="tutor", model="tutor")
        try:
            await denied.ainvoke("x")
            raise AssertionError("the allow-list must apply in-process too")
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "code", "") == "model_not_found"

    asyncio.run(run())
    rows = ledger_rows(t.id)
    assert [(r["purpose"], r["user_id"], r["stream"]) for r in rows] == [
        ("copilot", t.owner_id, False), ("copilot", t.owner_id, False), ("copilot", t.owner_id, True)]
