"""Scripted tool calls for console tests (the same shapes the agents tests use)."""

from typing import Any

from langchain_core.messages import AIMessage


def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    """One tool call as a model emits it."""
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def ai(*calls: dict[str, Any], content: str = "") -> AIMessage:
    """A model message, with tool calls or content."""
    return AIMessage(content, tool_calls=list(calls))
