"""A thread's checkpointed messages as plain JSON for clients."""

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langgraph.types import StateSnapshot


def _content(message: AnyMessage) -> str:
    return message.content if isinstance(message.content, str) else message.text


def transcript(messages: Sequence[AnyMessage]) -> list[dict[str, Any]]:
    """User, assistant and tool messages in order."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            out.append({"role": "user", "content": _content(message)})
        elif isinstance(message, AIMessage):
            item: dict[str, Any] = {"role": "assistant", "content": _content(message)}
            if message.tool_calls:
                item["tool_calls"] = [
                    {"id": c["id"], "name": c["name"], "args": c["args"]} for c in message.tool_calls
                ]
            out.append(item)
        elif isinstance(message, ToolMessage):
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": message.tool_call_id,
                    "name": message.name,
                    "status": message.status,
                    "content": _content(message),
                }
            )
    return out


def pending_approval(state: StateSnapshot) -> dict[str, Any] | None:
    """The tool call waiting for a human, if the thread is paused."""
    return state.interrupts[0].value if state.interrupts else None
