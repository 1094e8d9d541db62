"""The tutor suite: questions asked by students of a seeded school, through the real tutor graph.

Each question trial gets a new tenant with the suite's school, indexed with the real retrieval stack;
the student's question goes through `agents.tutor.graph` with a policy as the model (recorded
answers, or a gateway model group as the student), and the answer is scored by
`evals.tutor_scoring`. Retrieval recall@k is measured on the question itself with the tutor's own
search tool, so it is the same whichever policy answers.
"""

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from rich.progress import Progress
from sqlmodel import func, select

from agents.models import AgentName, AgentThread
from agents.testing import ScriptedChatModel
from agents.tutor.context import TutorContext
from agents.tutor.graph import build_graph
from agents.tutor.prompts import LOCKED
from cognify.db import tenant_session
from cognify.security import Actor, Role, TokenClaims
from domain.identity.service import load_actor
from evals.fixtures import new_tenant
from evals.kinds import select_by_id
from evals.policies import tool_output
from evals.scoring import pass_hat_k
from evals.tutor_fixtures import Refs, index_school, seed_school
from evals.tutor_report import write_outputs
from evals.tutor_scoring import CITATION, Evidence, Rubric, headline, judge
from evals.tutor_suite import Script, TutorQuestion, TutorSuite, load_suite, resolve
from gateway.client import GatewayChatModel
from gateway.models import UsageRecord
from gateway.service import get_core
from tools.adapter import execute
from tools.tutor import SearchContentArgs, search_course_content

Policy = Callable[[TutorQuestion, Refs, Actor], BaseChatModel]


def scripted(question: TutorQuestion, refs: Refs, actor: Actor) -> BaseChatModel:
    """The recorded policy: the question's search (if any), then its answer, ids filled in."""
    script = question.script or Script(answer="")
    steps = []
    if script.search is not None:
        call = {"name": search_course_content.name, "args": resolve(script.search, refs), "id": "search",
                "type": "tool_call"}
        steps.append(AIMessage("", tool_calls=[call]))
    return ScriptedChatModel(steps=[*steps, AIMessage(resolve(script.answer, refs))])


def gateway(model_group: str) -> Policy:
    """The policy of a gateway model group, called as the student (tenant policy and budgets hold)."""
    return lambda question, refs, actor: GatewayChatModel(actor=actor, purpose="tutor", model=model_group)


@dataclass
class Seeded:
    """A trial's school: its tenant, the ids of its rows, and block keys by id (for readable results)."""

    tenant_id: UUID
    refs: Refs
    names: dict[str, str]


async def _school(suite: TutorSuite, label: str) -> Seeded:
    tenant_id, _ = await asyncio.to_thread(new_tenant, label)
    refs = await asyncio.to_thread(seed_school, tenant_id, suite.fixture)
    await index_school(tenant_id, refs, suite.fixture)
    names = {str(v): k.split(".", 1)[1] for k, v in refs.items() if k.startswith("block.")}
    return Seeded(tenant_id, refs, names)


def _student(seeded: Seeded, key: str) -> tuple[Actor, UUID]:
    user_id = seeded.refs[f"student.{key}"]
    with tenant_session(seeded.tenant_id, user_id) as session:
        actor = load_actor(session, TokenClaims(user_id, seeded.tenant_id, Role.student))
        thread = AgentThread(tenant_id=seeded.tenant_id, user_id=user_id, agent=AgentName.tutor)
        session.add(thread)
        session.flush()
        return actor, thread.id


def _blocks(chunks: list[dict[str, Any]], names: dict[str, str]) -> list[str]:
    ids = dict.fromkeys(c["content_block_id"] for c in chunks if c.get("content_block_id"))
    return [names.get(i, i) for i in ids]


def _searched(messages: list[BaseMessage], names: dict[str, str]) -> list[str]:
    found: list[str] = []
    for m in messages:
        data = tool_output(m) if isinstance(m, ToolMessage) and m.status != "error" else None
        if isinstance(data, dict):
            found += _blocks(data.get("chunks", []), names)
    return list(dict.fromkeys(found))


def _cost(tenant_id: UUID) -> Decimal:
    """What the trial's gateway calls (the model's and retrieval's) cost, from the usage ledger."""
    get_core().ledger.flush()
    with tenant_session(tenant_id) as session:
        return session.exec(select(func.coalesce(func.sum(UsageRecord.cost_usd), 0))).one()


def _answer(messages: list[BaseMessage]) -> str:
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and not last.tool_calls:
        return last.content if isinstance(last.content, str) else last.text
    return ""


@dataclass
class TutorResult:
    """One line of results.jsonl."""

    task: str
    trial: int
    reward: int
    category: str | None
    expect: str
    failures: list[str]
    answer: str
    cited: list[str]
    retrieved: list[str]
    searched: list[str]
    recall: float | None
    gold_rank: int | None
    citations: int
    supported: int
    refused: bool | None
    locked: bool | None
    socratic: bool | None
    tool_calls: int
    tokens: dict[str, int]
    cost_usd: str
    latency_s: float
    tenant_id: str


async def _retrieved(suite: TutorSuite, question: TutorQuestion, ctx: TutorContext, names: dict[str, str],
                     ) -> list[str]:
    """The blocks the tutor's search tool returns for the question itself (the student's scope)."""
    args = SearchContentArgs(query=question.question, limit=suite.k)
    found = await execute(search_course_content, ctx, args)
    return _blocks(found["chunks"], names)


async def run_trial(suite: TutorSuite, question: TutorQuestion, trial: int, policy: Policy) -> TutorResult:
    """One trial of one question in a new tenant with the school seeded and indexed."""
    seeded = await _school(suite, f"{suite.name}/{question.id}#{trial}")
    actor, thread_id = await asyncio.to_thread(_student, seeded, question.student or suite.student)
    ctx = TutorContext(tenant_id=seeded.tenant_id, user_id=actor.user_id, role=actor.role,
                       thread_id=thread_id)
    retrieved = [] if question.expect == "lock" else await _retrieved(suite, question, ctx, seeded.names)
    graph = build_graph(policy(question, seeded.refs, actor), InMemorySaver())
    config: Any = {"configurable": {"thread_id": str(thread_id)}, "recursion_limit": 20}
    started, error = time.perf_counter(), ""
    try:
        await graph.ainvoke({"messages": [HumanMessage(question.question)]}, config, context=ctx)
    except Exception as exc:  # noqa: BLE001 - a crashed trial scores 0 and the run goes on
        error = f"{type(exc).__name__}: {exc}"
    latency = time.perf_counter() - started
    messages: list[BaseMessage] = (await graph.aget_state(config)).values.get("messages", [])
    calls = sum(len(m.tool_calls) for m in messages if isinstance(m, AIMessage))
    answer = _answer(messages)
    exam = suite.fixture.assessments[question.exam].title if question.exam else None
    evidence = Evidence(
        expect=question.expect, answer=answer,
        cited=[seeded.names.get(i, i) for i in CITATION.findall(answer)], retrieved=retrieved,
        searched=_searched(messages, seeded.names), tool_calls=calls,
        locked_text=LOCKED.format(title=exam) if exam else None,
    )
    rubric = Rubric(
        gold=question.gold, facts=question.facts, forbidden=question.forbidden,
        forbidden_facts=question.forbidden_facts, leaks=suite.leaks(question),
        bodies={k: b.body for k, b in suite.fixture.blocks().items()}, refusal_markers=suite.refusal_markers,
    )
    verdict = judge(evidence, rubric)
    failures = ([("error", error)] if error else []) + verdict.failures
    usage = [m.usage_metadata for m in messages if isinstance(m, AIMessage) and m.usage_metadata]
    return TutorResult(
        task=question.id, trial=trial, reward=0 if failures else 1,
        category=failures[0][0] if failures else None, expect=question.expect,
        failures=[message for _, message in failures], answer=answer, cited=evidence.cited,
        retrieved=retrieved, searched=evidence.searched, recall=verdict.recall, gold_rank=verdict.gold_rank,
        citations=verdict.cited, supported=verdict.supported, refused=verdict.refused, locked=verdict.locked,
        socratic=verdict.socratic, tool_calls=calls,
        tokens={"input": sum(u["input_tokens"] for u in usage),
                "output": sum(u["output_tokens"] for u in usage)},
        cost_usd=str(await asyncio.to_thread(_cost, seeded.tenant_id)), latency_s=round(latency, 3),
        tenant_id=str(seeded.tenant_id),
    )


@dataclass
class TutorRun:
    """What a run produced: the results and the headline metrics (None where nothing applies)."""

    results: list[TutorResult]
    metrics: dict[str, float | None]
    output: Path | None = None


def select_questions(suite: TutorSuite, pattern: str | None) -> list[TutorQuestion]:
    """The questions whose id matches the glob `pattern` (all when None)."""
    return select_by_id(suite.questions, pattern, "question", suite.name)


async def _run_all(suite: TutorSuite, jobs: list[tuple[TutorQuestion, int]], policy: Policy, parallel: int,
                   on_trial: Callable[[TutorResult], None] | None) -> list[TutorResult]:
    import litellm

    slots = asyncio.Semaphore(max(1, parallel))

    async def one(question: TutorQuestion, trial: int) -> TutorResult:
        async with slots:
            result = await run_trial(suite, question, trial, policy)
        if on_trial is not None:
            on_trial(result)
        return result

    try:
        return list(await asyncio.gather(*(one(q, t) for q, t in jobs)))
    finally:
        await litellm.close_litellm_async_clients()


def run_suite(suite: TutorSuite, policy: Policy = scripted, *, policy_name: str = "scripted",
              trials: int = 1, pattern: str | None = None, output: Path | None = None, parallel: int = 1,
              on_trial: Callable[[TutorResult], None] | None = None) -> TutorRun:
    """Run every selected question `trials` times; write results.jsonl, report.md and plots to `output`."""
    if trials < 1:
        raise ValueError("trials must be at least 1")
    jobs = [(q, t) for q in select_questions(suite, pattern) for t in range(trials)]
    results = asyncio.run(_run_all(suite, jobs, policy, parallel, on_trial))
    by_question: dict[str, int] = {}
    for r in results:
        by_question[r.task] = by_question.get(r.task, 0) + r.reward
    metrics: dict[str, float | None] = {f"pass^{k}": v for k, v in
                                        pass_hat_k(list(by_question.values()), trials).items()}
    metrics["mean_reward"] = sum(r.reward for r in results) / len(results)
    metrics |= headline(results)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        with (output / "results.jsonl").open("w") as handle:
            for r in results:
                handle.write(json.dumps(asdict(r)) + "\n")
        write_outputs(output, suite, policy_name, trials, results, metrics)
    return TutorRun(results, metrics, output)


def run_cli(path: Path, *, model_group: str | None, trials: int, pattern: str | None, output: Path,
            parallel: int, progress: Progress) -> dict[str, float]:
    """`cognify eval run tutor [--model-group G]`: recorded answers by default, else the gateway group."""
    suite = load_suite(path)
    count = len(select_questions(suite, pattern)) * trials
    policy, name = (gateway(model_group), f"gateway:{model_group}") if model_group else (scripted, "scripted")
    bar = progress.add_task(f"{suite.name} ({name})", total=count)
    run = run_suite(suite, policy, policy_name=name, trials=trials, pattern=pattern, output=output,
                    parallel=parallel, on_trial=lambda _: progress.advance(bar))
    return {k: v for k, v in run.metrics.items() if v is not None}
