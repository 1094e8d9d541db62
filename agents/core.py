"""Graph pieces both agents share: state, the model call, human review of risky calls, audited tools."""

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.graph import END, MessagesState
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command, interrupt

from agents import audit
from agents.models import AuditKind
from tools.adapter import as_langchain_tool
from tools.spec import ToolSpec

REJECTED = "A human reviewer rejected this call; nothing was done. Do not retry it unless asked to."


def merge(left: dict[str, str], right: dict[str, str]) -> dict[str, str]:
    """Reducer: later decisions add to earlier ones."""
    return {**left, **right}


class AgentState(MessagesState):
    """The conversation, plus the human decisions on calls that needed approval (by tool call id)."""

    decisions: Annotated[dict[str, str], merge]


def last_ai(messages: Sequence[AnyMessage]) -> AIMessage | None:
    """The most recent model message."""
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    return None


class Toolbox:
    """The tools one graph offers, as specs and as LangChain tools."""

    def __init__(self, specs: Sequence[ToolSpec]) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.tools: list[BaseTool] = [as_langchain_tool(spec) for spec in specs]

    def needs_approval(self, call: ToolCall) -> bool:
        """Whether the call is to an offered tool that a human must approve."""
        spec = self.specs.get(call["name"])
        return spec is not None and spec.approval


def model_node(model: BaseChatModel, toolbox: Toolbox, prompt: str) -> Any:
    """The node that asks the model for the next step."""
    bound = model.bind_tools(toolbox.tools) if toolbox.tools else model

    async def call_model(state: AgentState) -> dict[str, Any]:
        response = await bound.ainvoke([SystemMessage(prompt), *state["messages"]])
        return {"messages": [response]}

    return call_model


def route_after_model(toolbox: Toolbox) -> Any:
    """Edge: to human review if a call needs approval, else to the tools, else done."""

    def route(state: AgentState) -> str:
        message = last_ai(state["messages"])
        if message is None or not message.tool_calls:
            return END
        return "review" if any(toolbox.needs_approval(c) for c in message.tool_calls) else "tools"

    return route


def review_node(toolbox: Toolbox) -> Any:
    """Pause on each call that needs approval with the exact proposed call; apply edits to the message."""

    def review(state: AgentState) -> dict[str, Any]:
        message = last_ai(state["messages"])
        assert message is not None
        decisions: dict[str, str] = {}
        calls: list[ToolCall] = []
        for call in message.tool_calls:
            if toolbox.needs_approval(call) and call["id"] not in state.get("decisions", {}):
                answer = interrupt({"tool_call_id": call["id"], "tool": call["name"], "args": call["args"]})
                decisions[str(call["id"])] = answer["decision"]
                if answer["decision"] == "edit":
                    call = {**call, "args": answer["args"]}
            calls.append(call)
        return {"messages": [message.model_copy(update={"tool_calls": calls})], "decisions": decisions}

    return review


def _outcome(message: ToolMessage, offered: bool) -> str:
    if not offered:
        return "unavailable"
    if isinstance(message.artifact, dict) and "outcome" in message.artifact:
        return str(message.artifact["outcome"])
    return "invalid" if message.status == "error" else "ok"


def tools_node(toolbox: Toolbox) -> ToolNode:
    """Run the calls (approved ones only, when approval is needed) and audit every one."""

    async def guard(request: ToolCallRequest, execute: Any) -> ToolMessage | Command:
        call = request.tool_call
        decision = (request.state.get("decisions") or {}).get(call["id"])
        if toolbox.needs_approval(call) and decision not in ("approve", "edit"):
            result: ToolMessage | Command = ToolMessage(
                REJECTED,
                tool_call_id=call["id"],
                name=call["name"],
                status="error",
                artifact={"outcome": "rejected"},
            )
        else:
            result = await execute(request)
        if isinstance(result, ToolMessage):
            await asyncio.to_thread(
                audit.record,
                request.runtime.context,
                AuditKind.tool_call,
                _outcome(result, call["name"] in toolbox.specs),
                tool=call["name"],
                tool_call_id=call["id"],
                args=call["args"],
                summary=str(result.content),
            )
        return result

    return ToolNode(toolbox.tools, awrap_tool_call=guard, handle_tool_errors=True)
