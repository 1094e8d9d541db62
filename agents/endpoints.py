"""HTTP for agents: threads, messages streamed as Server-Sent Events (or one JSON), approvals, audit."""

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from langchain_core.messages import HumanMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from pydantic import ValidationError

from agents import audit, threads
from agents.checkpoint import open_checkpointer
from agents.llm import ChatModelFactory, chat_model_factory
from agents.models import (
    AgentName,
    AgentThread,
    ApprovalIn,
    AuditKind,
    AuditPublic,
    AuditsPublic,
    Decision,
    MessageIn,
    ThreadCreated,
)
from agents.runner import Event, build, config_for, context_for, run_turn
from agents.transcript import pending_approval, transcript
from cognify.api import PageDep, SessionDep
from cognify.db import tenant_session
from cognify.errors import Conflict, ValidationFailed
from cognify.security import Actor
from domain.identity.deps import CurrentActor
from tools.registry import ALL_TOOLS

router = APIRouter(prefix="/api/v1/agents", tags=["agents"])
FactoryDep = Annotated[ChatModelFactory, Depends(chat_model_factory)]


def owned_thread(agent: AgentName, thread_id: UUID, session: SessionDep, actor: CurrentActor) -> AgentThread:
    """The caller's own thread (404 for anyone else's), checked before any checkpoint is read."""
    return threads.owned_thread(session, actor, agent, thread_id)


def postable_thread(
    agent: AgentName, thread_id: UUID, session: SessionDep, actor: CurrentActor
) -> AgentThread:
    """The caller's own thread, if they may talk to the agent now (the tutor: with `ai_tutor` consent)."""
    return threads.postable_thread(session, actor, agent, thread_id)


ThreadDep = Annotated[AgentThread, Depends(owned_thread)]
PostableThread = Annotated[AgentThread, Depends(postable_thread)]


@router.post("/{agent}/threads", status_code=201)
def create_thread(agent: AgentName, session: SessionDep, actor: CurrentActor) -> ThreadCreated:
    """Open a new thread with the agent."""
    return ThreadCreated(thread_id=threads.create_thread(session, actor, agent).id)


def _sse(event: Event) -> str:
    return f"event: {event[0]}\ndata: {json.dumps(event[1], default=str)}\n\n"


def _touch(thread_id: UUID, tenant_id: UUID, user_id: UUID, first_message: str | None) -> None:
    with tenant_session(tenant_id, user_id) as session:
        threads.touch_thread(session, thread_id, first_message)


async def _respond(
    request: Request,
    stack: AsyncExitStack,
    graph: CompiledStateGraph,
    graph_input: dict[str, Any] | Command,
    agent: AgentName,
    actor: Actor,
    thread: AgentThread,
    first_message: str | None = None,
) -> Response:
    """Run the turn; SSE by default, one JSON object when the client accepts only JSON."""
    ctx = context_for(agent, actor, thread.id)

    async def events() -> AsyncIterator[Event]:
        async with stack:
            async for event in run_turn(graph, graph_input, ctx):
                yield event
            await run_in_threadpool(_touch, thread.id, actor.tenant_id, actor.user_id, first_message)

    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/event-stream" not in accept:
        collected = [event async for event in events()]
        return JSONResponse(_summary(collected))
    return StreamingResponse(
        (_sse(e) async for e in events()),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _summary(events: list[Event]) -> dict[str, Any]:
    done = events[-1][1]
    replies = [data["content"] for name, data in events if name == "message"]
    approvals = [data for name, data in events if name == "approval_required"]
    return {
        "thread_id": done["thread_id"],
        "status": done["status"],
        "reply": replies[-1] if replies else None,
        "approval": approvals[-1] if approvals else None,
        "events": [{"event": name, "data": data} for name, data in events if name != "token"],
    }


async def _open(
    agent: AgentName, actor: Actor, factory: ChatModelFactory
) -> tuple[AsyncExitStack, CompiledStateGraph]:
    """A checkpointer on the pool (or its own connection, closed when the turn ends) and the actor's graph."""
    stack = AsyncExitStack()
    try:
        saver = await stack.enter_async_context(open_checkpointer(actor.tenant_id))
        return stack, build(agent, actor, factory, saver)
    except BaseException:
        await stack.aclose()
        raise


@router.post("/{agent}/threads/{thread_id}/messages")
async def post_message(
    agent: AgentName,
    body: MessageIn,
    thread: PostableThread,
    actor: CurrentActor,
    factory: FactoryDep,
    request: Request,
) -> Response:
    """Send a message; the reply streams as `token`, `tool_call`, `tool_result`, `approval_required`,
    `message`, `error` and finally `done` events."""
    stack, graph = await _open(agent, actor, factory)
    try:
        state = await graph.aget_state(config_for(thread.id))  # type: ignore[arg-type]
        if state.interrupts:
            raise Conflict(
                "A tool call is waiting for approval; answer it first",
                code="approval_pending",
                details={"approval": state.interrupts[0].value},
            )
    except BaseException:
        await stack.aclose()
        raise
    graph_input = {"messages": [HumanMessage(body.content)]}
    return await _respond(request, stack, graph, graph_input, agent, actor, thread, body.content)


def _decided_args(tool: str, decision: ApprovalIn, proposed: dict[str, Any]) -> dict[str, Any]:
    """The arguments that will run: the proposed ones, or the edited ones re-validated by the tool's model."""
    if decision.decision != Decision.edit:
        return proposed
    if decision.args is None:
        raise ValidationFailed("args: required when the decision is 'edit'", details={"field": "args"})
    try:
        return ALL_TOOLS[tool].args.model_validate(decision.args).model_dump(mode="json")
    except ValidationError as exc:
        raise ValidationFailed(
            f"args: not valid for {tool}", details=json.loads(exc.json(include_url=False))
        ) from exc


@router.post("/{agent}/threads/{thread_id}/approvals")
async def decide(
    agent: AgentName,
    body: ApprovalIn,
    thread: PostableThread,
    actor: CurrentActor,
    factory: FactoryDep,
    request: Request,
) -> Response:
    """Approve, edit or reject the paused tool call; the turn then continues as a stream."""
    stack, graph = await _open(agent, actor, factory)
    try:
        state = await graph.aget_state(config_for(thread.id))  # type: ignore[arg-type]
        if not state.interrupts:
            raise Conflict("No tool call is waiting for approval", code="no_pending_approval")
        pending = state.interrupts[0].value
        args = _decided_args(pending["tool"], body, pending["args"])
    except BaseException:
        await stack.aclose()
        raise
    ctx = context_for(agent, actor, thread.id)
    await run_in_threadpool(
        audit.record,
        ctx,
        AuditKind.approval,
        body.decision.value,
        tool=pending["tool"],
        tool_call_id=pending["tool_call_id"],
        args=args,
    )
    resume = Command(resume={"decision": body.decision.value, "args": args})
    return await _respond(request, stack, graph, resume, agent, actor, thread)


@router.get("/{agent}/threads/{thread_id}")
async def get_thread(
    agent: AgentName, thread: ThreadDep, actor: CurrentActor, factory: FactoryDep
) -> dict[str, Any]:
    """The thread's messages and any tool call waiting for approval."""
    async with open_checkpointer(actor.tenant_id) as saver:
        state = await build(agent, actor, factory, saver).aget_state(config_for(thread.id))  # type: ignore[arg-type]
    return {
        "thread_id": str(thread.id),
        "agent": agent.value,
        "title": thread.title,
        "messages": transcript(state.values.get("messages", [])),
        "pending_approval": pending_approval(state),
    }


@router.get("/audit")
def list_audit(
    session: SessionDep,
    actor: CurrentActor,
    paging: PageDep,
    kind: AuditKind | None = None,
    tool: Annotated[str | None, Query(max_length=60)] = None,
    outcome: Annotated[str | None, Query(max_length=20)] = None,
    user_id: UUID | None = None,
    thread_id: UUID | None = None,
) -> AuditsPublic:
    """The tenant's agent audit log, newest first (admins)."""
    rows, count = audit.list_audit(
        session,
        actor,
        user_id=user_id,
        thread_id=thread_id,
        kind=kind,
        tool=tool,
        outcome=outcome,
        limit=paging.limit,
        offset=paging.offset,
    )
    return AuditsPublic(data=[AuditPublic.model_validate(r) for r in rows], count=count)
