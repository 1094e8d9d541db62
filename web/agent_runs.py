"""The console's bridge to the agents: run turns in-process and stream them as Server-Sent Events."""

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any
from uuid import UUID

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from langchain_core.messages import HumanMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from pydantic import ValidationError
from sqlmodel import Session, col, select

from agents import audit, threads
from agents.checkpoint import open_checkpointer
from agents.llm import ChatModelFactory
from agents.models import AgentName, AgentThread, AuditKind
from agents.runner import build, config_for, context_for, run_turn
from agents.transcript import pending_approval, transcript
from cognify.db import tenant_session
from cognify.errors import Conflict, ValidationFailed
from cognify.security import Actor
from tools.registry import ALL_TOOLS

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def own_threads(session: Session, actor: Actor, agent: AgentName, limit: int = 30) -> list[AgentThread]:
    """The actor's threads with an agent, most recently active first."""
    query = select(AgentThread).where(AgentThread.user_id == actor.user_id, AgentThread.agent == agent)
    return list(session.exec(query.order_by(col(AgentThread.updated_at).desc()).limit(limit)).all())


async def _open(
    agent: AgentName, actor: Actor, factory: ChatModelFactory
) -> tuple[AsyncExitStack, CompiledStateGraph]:
    stack = AsyncExitStack()
    saver = await stack.enter_async_context(open_checkpointer(actor.tenant_id))
    return stack, build(agent, actor, factory, saver)


async def thread_state(
    agent: AgentName, actor: Actor, thread_id: UUID, factory: ChatModelFactory
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A thread's messages and the tool call waiting for approval, if any."""
    async with open_checkpointer(actor.tenant_id) as saver:
        state = await build(agent, actor, factory, saver).aget_state(config_for(thread_id))  # type: ignore[arg-type]
    return transcript(state.values.get("messages", [])), pending_approval(state)


def _touch(thread_id: UUID, actor: Actor, first_message: str | None) -> None:
    with tenant_session(actor.tenant_id, actor.user_id) as session:
        threads.touch_thread(session, thread_id, first_message)


def _stream(
    stack: AsyncExitStack,
    graph: CompiledStateGraph,
    graph_input: dict[str, Any] | Command,
    agent: AgentName,
    actor: Actor,
    thread_id: UUID,
    first_message: str | None,
) -> StreamingResponse:
    ctx = context_for(agent, actor, thread_id)

    async def body() -> AsyncIterator[str]:
        async with stack:
            async for name, data in run_turn(graph, graph_input, ctx):
                yield f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n"
            await run_in_threadpool(_touch, thread_id, actor, first_message)

    return StreamingResponse(body(), media_type="text/event-stream", headers=SSE_HEADERS)


async def send_message(
    agent: AgentName, actor: Actor, thread_id: UUID, factory: ChatModelFactory, content: str
) -> StreamingResponse:
    """Stream the agent's answer to a new message (409 while an approval is pending)."""
    stack, graph = await _open(agent, actor, factory)
    state = await graph.aget_state(config_for(thread_id))  # type: ignore[arg-type]
    if state.interrupts:
        await stack.aclose()
        raise Conflict("A tool call is waiting for approval; answer it first", code="approval_pending")
    return _stream(stack, graph, {"messages": [HumanMessage(content)]}, agent, actor, thread_id, content)


def _decided_args(
    tool: str, decision: str, proposed: dict[str, Any], edited: dict[str, Any] | None
) -> dict[str, Any]:
    if decision != "edit":
        return proposed
    if edited is None:
        raise ValidationFailed("args: required when the decision is 'edit'")
    try:
        return ALL_TOOLS[tool].args.model_validate(edited).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "args"
        raise ValidationFailed(f"{field}: {first['msg']}") from exc


async def answer_approval(
    agent: AgentName,
    actor: Actor,
    thread_id: UUID,
    factory: ChatModelFactory,
    decision: str,
    edited: dict[str, Any] | None,
) -> StreamingResponse:
    """Approve, edit or reject the paused tool call (audited), then stream the rest of the turn."""
    stack, graph = await _open(agent, actor, factory)
    try:
        state = await graph.aget_state(config_for(thread_id))  # type: ignore[arg-type]
        if not state.interrupts:
            raise Conflict("No tool call is waiting for approval", code="no_pending_approval")
        pending = state.interrupts[0].value
        args = _decided_args(pending["tool"], decision, pending["args"], edited)
    except BaseException:
        await stack.aclose()
        raise
    ctx = context_for(agent, actor, thread_id)
    await run_in_threadpool(
        audit.record,
        ctx,
        AuditKind.approval,
        decision,
        tool=pending["tool"],
        tool_call_id=pending["tool_call_id"],
        args=args,
    )
    resume = Command(resume={"decision": decision, "args": args})
    return _stream(stack, graph, resume, agent, actor, thread_id, None)
