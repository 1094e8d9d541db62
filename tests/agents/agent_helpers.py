"""Helpers for agent tests: scripted tool calls, thread calls and SSE parsing."""

import json
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

JSON = {"Accept": "application/json"}


def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    """One tool call as a model emits it."""
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


def ai(*calls: dict[str, Any], content: str = "") -> AIMessage:
    """A model message with tool calls."""
    return AIMessage(content, tool_calls=list(calls))


def tool_messages(messages: list[BaseMessage]) -> list[ToolMessage]:
    """The tool results in a conversation."""
    return [m for m in messages if isinstance(m, ToolMessage)]


def new_thread(client: TestClient, headers: dict[str, str], agent: str = "copilot") -> str:
    """A new thread id (for the tutor, after accepting the AI-use policy)."""
    if agent == "tutor":
        policy = {"purpose": "ai_tutor", "granted": True, "text_version": "ai-use-1"}
        assert client.post("/api/v1/privacy/consents", json=policy, headers=headers).status_code == 201
    response = client.post(f"/api/v1/agents/{agent}/threads", headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["thread_id"]


def ask(
    client: TestClient, headers: dict[str, str], thread_id: str, content: str, agent: str = "copilot"
) -> dict[str, Any]:
    """Send a message and get the one-JSON answer."""
    response = client.post(
        f"/api/v1/agents/{agent}/threads/{thread_id}/messages",
        json={"content": content},
        headers=headers | JSON,
    )
    assert response.status_code == 200, response.text
    return response.json()


def decide(
    client: TestClient,
    headers: dict[str, str],
    thread_id: str,
    decision: str,
    args: dict[str, Any] | None = None,
    agent: str = "copilot",
) -> Any:
    """Answer a paused tool call (JSON mode); the raw response."""
    body: dict[str, Any] = {"decision": decision}
    if args is not None:
        body["args"] = args
    return client.post(
        f"/api/v1/agents/{agent}/threads/{thread_id}/approvals", json=body, headers=headers | JSON
    )


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of an SSE body."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def results(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The `tool_result` event payloads of a JSON answer."""
    return [e["data"] for e in answer["events"] if e["event"] == "tool_result"]


def as_uuid(value: str) -> UUID:
    """A UUID from a string."""
    return UUID(value)
