"""Once end to end: the copilot's default model is the gateway's, against a local OpenAI-compatible server."""

from collections.abc import Iterator

import pytest
from agent_helpers import ask, new_thread, results
from agent_upstream import ToolUsingModel, gateway_group
from sqlalchemy import text

from cognify.db import owner_engine
from gateway.service import get_core


@pytest.fixture(scope="module")
def fake_model(services, tmp_path_factory) -> Iterator[ToolUsingModel]:
    """The fake model behind the gateway's `copilot` group, for this module only."""
    with gateway_group("copilot", ToolUsingModel(), tmp_path_factory.mktemp("agents-gateway")) as model:
        yield model


def test_the_copilot_talks_through_the_gateway_as_the_acting_user(client, fake_model, make_school):
    school = make_school()

    answer = ask(client, school.owner, new_thread(client, school.owner), "Lena")

    assert answer["status"] == "complete", answer
    [found] = results(answer)
    assert found["status"] == "success" and "Lena Lead" in found["content"]
    assert answer["reply"] == "Found 1 lead(s)."
    first = fake_model.received[-2]
    assert first["messages"][0]["role"] == "system" and "<tool_output>" in first["messages"][0]["content"]
    assert "create_invoice" in {t["function"]["name"] for t in first["tools"]}
    get_core().ledger.flush()
    with owner_engine().connect() as conn:
        rows = conn.execute(
            text("SELECT purpose, user_id FROM gateway_usage WHERE tenant_id = :t"), {"t": school.tenant_id}
        ).all()
    assert [(r.purpose, r.user_id) for r in rows] == [("copilot", school.owner_id)] * 2
