"""Running a turn: build the agent's graph for the actor and turn its stream into client events."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from agents.copilot.context import CopilotContext
from agents.copilot.graph import build_graph as build_copilot
from agents.llm import ChatModelFactory
from agents.models import AgentName
from agents.tutor.context import TutorContext
from agents.tutor.graph import build_graph as build_tutor
from cognify.logging import get_logger
from cognify.security import Actor
from tools.context import ToolContext
from tools.registry import STAFF_TOOLS, tools_for

log = get_logger("cognify.agents")
Event = tuple[str, dict[str, Any]]


def build(
    agent: AgentName, actor: Actor, factory: ChatModelFactory, checkpointer: BaseCheckpointSaver
) -> CompiledStateGraph:
    """The agent's graph for this actor: the copilot offers only the tools the actor's permissions allow."""
    model = factory(actor, agent)
    if agent == AgentName.copilot:
        return build_copilot(model, tools_for(actor, STAFF_TOOLS), checkpointer)
    return build_tutor(model, checkpointer)


def context_for(agent: AgentName, actor: Actor, thread_id: UUID) -> ToolContext:
    """The runtime context of a run: identity from the verified token, never from the model."""
    kind = CopilotContext if agent == AgentName.copilot else TutorContext
    return kind(tenant_id=actor.tenant_id, user_id=actor.user_id, role=actor.role, thread_id=thread_id)


def config_for(thread_id: UUID) -> dict[str, Any]:
    """The LangGraph config naming the thread's checkpoints."""
    return {"configurable": {"thread_id": str(thread_id)}}


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else message.text


def _update_events(node: str, update: Any) -> list[Event]:
    if node == "__interrupt__":
        return [("approval_required", item.value) for item in update]
    if node not in ("call_model", "tools", "check_lock") or not isinstance(update, dict):
        return []
    events: list[Event] = []
    for message in update.get("messages", []):
        if isinstance(message, ToolMessage):
            events.append(
                (
                    "tool_result",
                    {
                        "tool_call_id": message.tool_call_id,
                        "name": message.name,
                        "status": message.status,
                        "content": _text(message),
                    },
                )
            )
        elif isinstance(message, AIMessage) and message.tool_calls:
            events.extend(
                ("tool_call", {"id": c["id"], "name": c["name"], "args": c["args"]})
                for c in message.tool_calls
            )
        elif isinstance(message, AIMessage):
            events.append(("message", {"content": _text(message)}))
    return events


async def run_turn(
    graph: CompiledStateGraph, graph_input: dict[str, Any] | Command, ctx: ToolContext
) -> AsyncIterator[Event]:
    """Stream one turn (a new message or a resumed approval) as events, ending with `done`."""
    assert ctx.thread_id is not None
    config = config_for(ctx.thread_id)
    status = "complete"
    try:
        async for mode, data in graph.astream(
            graph_input,
            config,
            context=ctx,  # type: ignore[arg-type]
            stream_mode=["messages", "updates"],
        ):
            if mode == "messages":
                chunk, meta = data
                if (
                    meta.get("langgraph_node") == "call_model"
                    and isinstance(chunk, AIMessage)
                    and _text(chunk)
                ):
                    yield "token", {"text": _text(chunk)}
                continue
            for node, update in data.items():
                for event in _update_events(node, update):
                    yield event
        state = await graph.aget_state(config)  # type: ignore[arg-type]
        status = "awaiting_approval" if state.interrupts else "complete"
    except Exception as exc:  # noqa: BLE001 - the client gets an error event, the stream still ends
        log.exception("agent_turn_failed", exc_info=exc)
        code = getattr(exc, "code", "agent_error")
        message = getattr(exc, "message", "The agent failed to answer")
        yield "error", {"code": code, "message": message}
        status = "error"
    yield "done", {"thread_id": str(ctx.thread_id), "status": status}
