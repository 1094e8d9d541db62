"""The runner: each task trial in a new seeded tenant, the copilot driven by a policy, scored on the DB."""

import asyncio
import fnmatch
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.language_models import BaseChatModel
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
from evals.policies import gateway_policy, scripted_policy
from evals.report import write_report
from evals.scoring import diff, pass_hat_k, score, snapshot
from evals.suite import Refs, Suite, Task, resolve_text
from gateway.models import UsageRecord
from gateway.service import get_core
from tools.registry import STAFF_TOOLS, tools_for

Policy = Callable[[Task, Refs, Actor], BaseChatModel]


def scripted(task: Task, refs: Refs, actor: Actor) -> BaseChatModel:
    """The policy that replays each task's recorded plan."""
    return scripted_policy(task.plan, refs)


def gateway(model_group: str) -> Policy:
    """The policy that asks a gateway model group."""
    return lambda task, refs, actor: gateway_policy(actor, model_group)


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
    end_state: dict[str, Any]
    trajectory: list[dict[str, Any]]
    tokens: dict[str, int]
    cost_usd: str
    latency_s: float
    tenant_id: str
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


def _cost(tenant_id: UUID) -> Decimal:
    get_core().ledger.flush()
    with tenant_session(tenant_id) as session:
        return session.exec(select(func.coalesce(func.sum(UsageRecord.cost_usd), 0))).one()


async def _drive(graph: CompiledStateGraph, config: Any, ctx: CopilotContext, task: Task, refs: Refs) -> None:
    """Play the task's turns (and its approval decisions) through the copilot graph."""
    decisions = list(task.approvals)
    for turn in task.turns:
        await graph.ainvoke({"messages": [HumanMessage(resolve_text(turn, refs))]}, config, context=ctx)
        state = await graph.aget_state(config)
        while state.interrupts and decisions:
            await graph.ainvoke(Command(resume={"decision": decisions.pop(0)}), config, context=ctx)
            state = await graph.aget_state(config)
        if state.interrupts:
            return


def _answer(messages: list[BaseMessage]) -> str:
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and not last.tool_calls:
        return last.content if isinstance(last.content, str) else last.text
    return ""


async def run_trial(suite: Suite, task: Task, trial: int, policy: Policy) -> TrialResult:
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
        await _drive(graph, config, ctx, task, refs)
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
    failures = ([error] if error else []) + verdict.failures
    return TrialResult(
        task=task.id,
        trial=trial,
        reward=verdict.reward,
        category="error" if error else verdict.category,
        failures=failures,
        status=status,
        answer=_answer(messages),
        end_state={t: asdict(d) for t, d in changes.items()},
        trajectory=calls,
        tokens=_tokens(messages),
        cost_usd=str(_cost(tenant_id)),
        latency_s=round(latency, 3),
        tenant_id=str(tenant_id),
        tags=task.tags,
    )


@dataclass
class RunSummary:
    """What a run produced."""

    results: list[TrialResult]
    pass_k: dict[int, float]
    output: Path | None


def select_tasks(suite: Suite, pattern: str | None) -> list[Task]:
    """The suite's tasks whose id matches the glob `pattern` (all when None)."""
    tasks = [t for t in suite.tasks if pattern is None or fnmatch.fnmatch(t.id, pattern)]
    if not tasks:
        raise ValueError(f"no task of suite {suite.name} matches {pattern!r}")
    return tasks


def run_suite(
    suite: Suite,
    policy: Policy = scripted,
    *,
    policy_name: str = "scripted",
    trials: int = 1,
    pattern: str | None = None,
    output: Path | None = None,
    on_trial: Callable[[TrialResult], None] | None = None,
) -> RunSummary:
    """Run `trials` trials of every selected task; write results.jsonl and report.md under `output`."""
    if trials < 1:
        raise ValueError("trials must be at least 1")
    results: list[TrialResult] = []
    for task in select_tasks(suite, pattern):
        for trial in range(trials):
            result = asyncio.run(run_trial(suite, task, trial, policy))
            results.append(result)
            if on_trial is not None:
                on_trial(result)
    by_task: dict[str, int] = {}
    for r in results:
        by_task[r.task] = by_task.get(r.task, 0) + r.reward
    pass_k = pass_hat_k(list(by_task.values()), trials)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        with (output / "results.jsonl").open("w") as handle:
            for r in results:
                handle.write(json.dumps(asdict(r), default=str) + "\n")
        write_report(output / "report.md", suite.name, policy_name, trials, results, pass_k)
    return RunSummary(results, pass_k, output)
