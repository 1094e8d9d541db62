"""Policies that play the copilot's model: a task's recorded plan, or a gateway model group."""

import json
import re
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agents.testing import ScriptedChatModel
from cognify.security import Actor
from evals.suite import PlanStep, Refs, Task, resolve
from gateway.client import GatewayChatModel

Policy = Callable[[Task, Refs, Actor], BaseChatModel]
RESULT_REF = re.compile(r"^\$result\.([A-Za-z0-9_-]+)((?:\.[A-Za-z0-9_-]+)*)$")


def tool_output(message: ToolMessage) -> Any:
    """The JSON data inside a tool message's `<tool_output>` frame (None when it is an error text)."""
    content = message.content if isinstance(message.content, str) else message.text
    lines = content.strip().splitlines()
    if len(lines) < 3 or not lines[0].startswith("<tool_output"):
        return None
    return json.loads("\n".join(lines[1:-1]))


def _dig(value: Any, path: str) -> Any:
    for part in filter(None, path.split(".")):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def resolve_results(value: Any, messages: list[BaseMessage]) -> Any:
    """`value` with `$result.<call id>.<path>` strings replaced by data from that call's tool output."""
    if isinstance(value, str):
        match = RESULT_REF.match(value)
        if match is None:
            return value
        found = [m for m in messages if isinstance(m, ToolMessage) and m.tool_call_id == match[1]]
        if not found:
            raise ValueError(f"no result for call {match[1]}")
        return _dig(tool_output(found[-1]), match[2])
    if isinstance(value, list):
        return [resolve_results(v, messages) for v in value]
    if isinstance(value, dict):
        return {k: resolve_results(v, messages) for k, v in value.items()}
    return value


def _step(index: int, step: PlanStep, refs: Refs) -> Any:
    calls = [
        {"name": c.tool, "args": resolve(c.args, refs), "id": c.id or f"s{index}c{n}", "type": "tool_call"}
        for n, c in enumerate(step.calls)
    ]

    def make(messages: list[BaseMessage]) -> AIMessage:
        return AIMessage(
            step.answer, tool_calls=[{**c, "args": resolve_results(c["args"], messages)} for c in calls]
        )

    return make


def scripted_policy(plan: list[PlanStep], refs: Refs) -> ScriptedChatModel:
    """A model replaying the task's plan: real tool calls, ids filled in from the fixture and results."""
    return ScriptedChatModel(steps=[_step(i, step, refs) for i, step in enumerate(plan)])


def gateway_policy(actor: Actor, model_group: str) -> BaseChatModel:
    """The copilot's model through the gateway, as the task's user, so policy and budgets hold."""
    return GatewayChatModel(actor=actor, purpose="copilot", model=model_group)


def scripted(task: Task, refs: Refs, actor: Actor) -> BaseChatModel:
    """The policy that replays each task's recorded plan."""
    return scripted_policy(task.plan, refs)


def gateway(model_group: str) -> Policy:
    """The policy that asks a gateway model group."""
    return lambda task, refs, actor: gateway_policy(actor, model_group)
