"""The tutor graph: lock check -> model -> retrieval -> model, with no staff tools at all."""

import asyncio
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from agents import audit
from agents.core import Toolbox, model_node, route_after_model, tools_node
from agents.llm import actor_from_config, gateway_chat_model
from agents.models import AgentName, AuditKind
from agents.tutor.context import TutorContext
from agents.tutor.prompts import LOCKED, SYSTEM_PROMPT
from agents.tutor.state import TutorState
from cognify.db import tenant_session
from cognify.security import TokenClaims
from domain.identity.service import load_actor
from domain.lms.models import Assessment
from tools.registry import TUTOR_TOOLS
from tools.tutor import active_proctored_attempt


def exam_in_progress(ctx: TutorContext) -> str | None:
    """The title of the student's active proctored assessment, if any."""
    with tenant_session(ctx.tenant_id, ctx.user_id) as session:
        actor = load_actor(session, TokenClaims(ctx.user_id, ctx.tenant_id, ctx.role))
        attempt = active_proctored_attempt(session, actor)
        if attempt is None:
            return None
        assessment = session.get(Assessment, attempt.assessment_id)
        return assessment.title if assessment else "an assessment"


async def check_lock(
    state: TutorState, runtime: Runtime[TutorContext]
) -> Command[Literal["call_model", "__end__"]]:
    """Refuse, saying why, while a proctored attempt is open; otherwise go on to the model."""
    title = await asyncio.to_thread(exam_in_progress, runtime.context)
    if title is None:
        return Command(goto="call_model")
    refusal = LOCKED.format(title=title)
    await asyncio.to_thread(audit.record, runtime.context, AuditKind.refusal, "exam_lock", summary=refusal)
    return Command(goto=END, update={"messages": [AIMessage(refusal)]})


def build_graph(model: BaseChatModel, checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    """The tutor: only `search_course_content`, whatever the caller's role."""
    toolbox = Toolbox(TUTOR_TOOLS)
    graph = StateGraph(TutorState, context_schema=TutorContext)
    graph.add_node("check_lock", check_lock)
    graph.add_node("call_model", model_node(model, toolbox, SYSTEM_PROMPT))
    graph.add_node("tools", tools_node(toolbox))
    graph.add_edge(START, "check_lock")
    graph.add_conditional_edges("call_model", route_after_model(toolbox), ["tools", END])
    graph.add_edge("tools", "call_model")
    return graph.compile(checkpointer=checkpointer, name="tutor")


def make_graph(config: RunnableConfig) -> CompiledStateGraph:
    """LangGraph Studio entry (langgraph.json): the tutor of the student named in `configurable`."""
    return build_graph(gateway_chat_model(actor_from_config(config), AgentName.tutor))
