"""One copilot trial: a new seeded tenant, the copilot driven by a policy and a user, scored on the DB."""

import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from sqlmodel import func, select

from agents.copilot.context import CopilotContext
from agents.copilot.graph import build_graph
from agents.models import AgentName, AgentThread
from cognify.db import tenant_session
from cognify.security import Actor, TokenClaims
from domain.identity.models import User
from domain.identity.service import load_actor
from evals.fixtures import new_tenant, seed
from evals.policies import Policy
from evals.scoring import diff, score, snapshot
from evals.simulator import UserSimulator, dialogue, user_for
from evals.suite import Decision, Refs, Suite, Task, resolve
from gateway.models import UsageRecord
from gateway.service import get_core
from tools.registry import STAFF_TOOLS, tools_for

SIMULATOR_PURPOSE = "eval"


@dataclass
class TrialResult:
    """One line of results.jsonl."""

    task: str
    trial: int
    reward: int
    category: str | None
    failures: list[str]
    status: str
    answer: str
    dialogue: list[dict[str, str]]
    end_state: dict[str, Any]
    trajectory: list[dict[str, Any]]
    tokens: dict[str, int]
    cost_usd: str
    latency_s: float
    tenant_id: str
    simulator_cost_usd: str = "0"
    tags: list[str] = field(default_factory=list)


def _actor(tenant_id: UUID, user_id: UUID) -> Actor:
    with tenant_session(tenant_id, user_id) as session:
        user = session.get(User, user_id)
        assert user is not None
        return load_actor(session, TokenClaims(user_id, tenant_id, user.role))


def _thread(actor: Actor, title: str) -> UUID:
    with tenant_session(actor.tenant_id, actor.user_id) as session:
        thread = AgentThread(
            tenant_id=actor.tenant_id, user_id=actor.user_id, agent=AgentName.copilot, title=title[:200]
        )
        session.add(thread)
        session.flush()
        return thread.id


def trajectory(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    """The tool calls of a conversation, each with the status of its result."""
    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}
    calls = []
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                result = results.get(str(call["id"]))
                calls.append(
                    {
                        "id": call["id"],
                        "tool": call["name"],
                        "args": call["args"],
                        "status": result.status if result else "pending",
                    }
                )
    return calls


def _tokens(messages: list[BaseMessage]) -> dict[str, int]:
    usage = [m.usage_metadata for m in messages if isinstance(m, AIMessage) and m.usage_metadata]
    return {"input": sum(u["input_tokens"] for u in usage), "output": sum(u["output_tokens"] for u in usage)}


def _costs(tenant_id: UUID) -> tuple[Decimal, Decimal]:
    """The trial tenant's gateway spend: (the copilot's, the user simulator's)."""
    get_core().ledger.flush()
    simulated = UsageRecord.purpose == SIMULATOR_PURPOSE
    with tenant_session(tenant_id) as session:
        rows = session.exec(select(simulated, func.sum(UsageRecord.cost_usd)).group_by(simulated)).all()
    spent = {bool(is_sim): Decimal(total or 0) for is_sim, total in rows}
    return spent.get(False, Decimal(0)), spent.get(True, Decimal(0))


def _resume(decision: Decision, pending: dict[str, Any], refs: Refs) -> dict[str, Any]:
    """The reviewer's answer to a pause; an edit's args are merged over the proposed call's args."""
    if decision.decision != "edit":
        return {"decision": decision.decision}
    return {"decision": "edit", "args": {**pending["args"], **resolve(decision.args or {}, refs)}}


async def _drive(
    graph: CompiledStateGraph, config: Any, ctx: CopilotContext, task: Task, refs: Refs, user: UserSimulator
) -> None:
    """Let the user talk to the copilot until done, answering approval pauses with the task's decisions."""
    decisions = list(task.approvals)
    while True:
        state = await graph.aget_state(config)
        message = await user.next_message(dialogue(state.values.get("messages", [])))
        if message is None:
            return
        await graph.ainvoke({"messages": [HumanMessage(message)]}, config, context=ctx)
        state = await graph.aget_state(config)
        while state.interrupts and decisions:
            resume = _resume(decisions.pop(0), state.interrupts[0].value, refs)
            await graph.ainvoke(Command(resume=resume), config, context=ctx)
            state = await graph.aget_state(config)
        if state.interrupts:
            return


def _answer(messages: list[BaseMessage]) -> str:
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and not last.tool_calls:
        return last.text
    return ""


async def run_trial(
    suite: Suite, task: Task, trial: int, policy: Policy, user_model_group: str | None = None
) -> TrialResult:
    """One trial of one task in its own new tenant, scored on the database it leaves."""
    tenant_id, owner_id = new_tenant(f"{suite.name}/{task.id}#{trial}")
    refs = seed(tenant_id, owner_id, suite.fixtures[task.fixture])
    actor = _actor(tenant_id, refs[f"user.{task.user}"])
    before = snapshot(tenant_id, task.expect.tables)
    graph = build_graph(policy(task, refs, actor), tools_for(actor, STAFF_TOOLS), InMemorySaver())
    ctx = CopilotContext(
        tenant_id=actor.tenant_id, user_id=actor.user_id, role=actor.role, thread_id=_thread(actor, task.id)
    )
    config: Any = {"configurable": {"thread_id": str(ctx.thread_id)}, "recursion_limit": 40}
    started = time.perf_counter()
    error = ""
    try:
        await _drive(graph, config, ctx, task, refs, user_for(task, refs, actor, user_model_group))
    except Exception as exc:  # noqa: BLE001 - a crashed trial scores 0 and the run goes on
        error = f"{type(exc).__name__}: {exc}"
    latency = time.perf_counter() - started
    state = await graph.aget_state(config)
    messages: list[BaseMessage] = state.values.get("messages", [])
    pending = str(state.interrupts[0].value.get("tool")) if state.interrupts else None
    status = "error" if error else "awaiting_approval" if pending else "complete"
    changes = diff(before, snapshot(tenant_id, task.expect.tables))
    calls = trajectory(messages)
    verdict = score(
        changes,
        task.expect,
        refs,
        status=status,
        pending_tool=pending,
        answer=_answer(messages),
        tools_called=[c["tool"] for c in calls],
    )
    copilot_cost, simulator_cost = _costs(tenant_id)
    return TrialResult(
        task=task.id,
        trial=trial,
        reward=verdict.reward,
        category="error" if error else verdict.category,
        failures=([error] if error else []) + verdict.failures,
        status=status,
        answer=_answer(messages),
        dialogue=dialogue(messages),
        end_state={t: asdict(d) for t, d in changes.items()},
        trajectory=calls,
        tokens=_tokens(messages),
        cost_usd=str(copilot_cost),
        latency_s=round(latency, 3),
        tenant_id=str(tenant_id),
        simulator_cost_usd=str(simulator_cost),
        tags=task.tags,
    )
