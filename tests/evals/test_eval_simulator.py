"""The user simulator: recorded turns without a provider, or a gateway model (purpose `eval`) as the user."""

import asyncio
from uuid import UUID

import pytest
from agent_upstream import ToolUsingModel, gateway_group
from langchain_core.messages import AIMessage
from sqlmodel import select

from agents.testing import ScriptedChatModel
from cognify.db import tenant_session
from evals.runner import gateway, run_suite, run_trial, scripted
from evals.simulator import STOP, ModelUser, ScriptedUser
from evals.suite import Suite, load_suite
from gateway.models import UsageRecord

COPILOT = load_suite("copilot")
RECORDED = "Please look up the lead Lena Lopez for me."


class StaffAndCopilot(ToolUsingModel):
    """Requests with tools are the copilot's (search the user's words); without tools, the user's."""

    def _reply(self, body):
        if body.get("tools"):
            return super()._reply(body)
        spoken = any(m["role"] == "assistant" for m in body["messages"])
        return {"role": "assistant", "content": STOP if spoken else "Lena Lopez"}


@pytest.fixture(scope="module")
def staff_model(services, tmp_path_factory):
    with gateway_group("eval-sim", StaffAndCopilot(), tmp_path_factory.mktemp("evals-sim")) as model:
        yield model


def test_the_scripted_user_plays_the_recorded_turns_then_stops():
    task = next(t for t in COPILOT.tasks if t.id == "multi-turn-mark-omar-lost")

    result = asyncio.run(run_trial(COPILOT, task, 0, scripted))

    assert result.reward == 1
    assert [(t["role"], t["content"]) for t in result.dialogue] == [
        ("user", task.turns[0]),
        ("copilot", task.plan[1].answer),
        ("user", task.turns[1]),
        ("copilot", task.plan[3].answer),
    ]
    user = ScriptedUser(["one", "two"])
    assert asyncio.run(user.next_message([{"role": "user", "content": "one"}])) == "two"
    assert asyncio.run(user.next_message(result.dialogue[:3] + [{"role": "user", "content": "x"}])) is None


def test_a_model_user_stops_on_the_stop_word_or_the_turn_limit():
    model = ScriptedChatModel(steps=[AIMessage("hello"), AIMessage(f"thanks {STOP}")])
    user = ModelUser(model, "goal", max_turns=2)
    first = [{"role": "user", "content": "hello"}, {"role": "copilot", "content": "hi"}]

    assert asyncio.run(user.next_message([])) == "hello"
    assert asyncio.run(user.next_message(first)) is None
    [_, kickoff, mine, theirs] = user.messages(first)
    assert (type(mine), mine.text, type(theirs), theirs.text) == (AIMessage, "hello", type(kickoff), "hi")
    capped = ModelUser(ScriptedChatModel(steps=[]), "goal", max_turns=1)
    assert asyncio.run(capped.next_message(first)) is None


def test_a_gateway_model_plays_the_user_and_is_ledgered_as_eval(staff_model, tmp_path):
    task = {
        "id": "find-lena",
        "fixture": "school",
        "turns": [RECORDED],
        "goal": "Find the lead Lena Lopez.",
        "plan": [{"answer": "unused by a gateway policy"}],
        "expect": {"tables": ["leads"], "facts": ["Found 1 lead"]},
    }
    fixtures = COPILOT.model_dump()["fixtures"]
    suite = Suite.model_validate({"name": "sim", "fixtures": fixtures, "tasks": [task]})

    group = "eval-sim"
    summary = run_suite(suite, gateway(group), policy_name=group, user_model_group=group, output=tmp_path)

    [result] = summary.results
    assert result.reward == 1, result.failures
    assert result.dialogue == [
        {"role": "user", "content": "Lena Lopez"},
        {"role": "copilot", "content": "Found 1 lead(s)."},
    ]
    copilot_calls = [b for b in staff_model.received if b.get("tools")]
    user_calls = [b for b in staff_model.received if not b.get("tools")]
    assert copilot_calls[0]["messages"][-1]["content"] == "Lena Lopez"
    assert len(user_calls) == 2 and "Find the lead Lena Lopez." in user_calls[0]["messages"][0]["content"]
    assert user_calls[1]["messages"][-1] == {"role": "user", "content": "Found 1 lead(s)."}
    with tenant_session(UUID(result.tenant_id)) as session:
        rows = session.exec(select(UsageRecord.purpose, UsageRecord.model_group, UsageRecord.user_id)
                            .where(UsageRecord.purpose != "retrieval")).all()  # the worker indexing fixtures
    owner = [r.user_id for r in rows if r.purpose == "copilot"][0]
    assert sorted(rows) == sorted([("copilot", "eval-sim", owner)] * 2 + [("eval", "eval-sim", owner)] * 2)
    assert "- user: gateway:eval-sim" in (tmp_path / "report.md").read_text()
