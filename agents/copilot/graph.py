"""The copilot graph: model -> (human review) -> tools -> model, until the model answers."""

from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from agents.copilot.context import CopilotContext
from agents.copilot.prompts import SYSTEM_PROMPT
from agents.copilot.state import CopilotState
from agents.core import Toolbox, model_node, review_node, route_after_model, tools_node
from agents.llm import actor_from_config, gateway_chat_model
from agents.models import AgentName
from tools.registry import STAFF_TOOLS, tools_for
from tools.spec import ToolSpec


def build_graph(
    model: BaseChatModel,
    specs: Sequence[ToolSpec] = STAFF_TOOLS,
    checkpointer: BaseCheckpointSaver | None = None,
) -> CompiledStateGraph:
    """The copilot over `specs` (the tools the user's permissions allow)."""
    toolbox = Toolbox(specs)
    graph = StateGraph(CopilotState, context_schema=CopilotContext)
    graph.add_node("call_model", model_node(model, toolbox, SYSTEM_PROMPT))
    graph.add_node("review", review_node(toolbox))
    graph.add_node("tools", tools_node(toolbox))
    graph.add_edge(START, "call_model")
    graph.add_conditional_edges("call_model", route_after_model(toolbox), ["review", "tools", END])
    graph.add_edge("review", "tools")
    graph.add_edge("tools", "call_model")
    return graph.compile(checkpointer=checkpointer, name="copilot")


def make_graph(config: RunnableConfig) -> CompiledStateGraph:
    """LangGraph Studio entry (langgraph.json): the copilot of the user named in `configurable`."""
    actor = actor_from_config(config)
    return build_graph(gateway_chat_model(actor, AgentName.copilot), tools_for(actor, STAFF_TOOLS))
