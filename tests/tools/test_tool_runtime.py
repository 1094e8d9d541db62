"""Tools read identity from the LangGraph runtime context and rebuild the actor from the database."""

import asyncio
from typing import Any
from uuid import UUID

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from cognify.db import tenant_session
from cognify.security import Role
from domain.crm.models import Lead
from domain.identity.models import User
from tools.adapter import as_langchain_tool
from tools.context import ToolContext
from tools.registry import ALL_TOOLS


def _run(ctx: ToolContext, name: str, args: dict[str, Any]) -> Any:
    """One tool call executed by LangGraph's ToolNode with `ctx` as the runtime context."""
    graph = StateGraph(MessagesState, context_schema=ToolContext)
    graph.add_node(
        "model",
        lambda _: {
            "messages": [
                AIMessage("", tool_calls=[{"name": name, "args": args, "id": "t1", "type": "tool_call"}])
            ]
        },
    )
    graph.add_node("tools", ToolNode([as_langchain_tool(ALL_TOOLS[name])]))
    graph.add_edge(START, "model")
    graph.add_edge("model", "tools")
    graph.add_edge("tools", END)
    state = asyncio.run(graph.compile().ainvoke({"messages": [HumanMessage("go")]}, context=ctx))
    return state["messages"][-1]


def _user(tenant_id: UUID, role: Role, active: bool = True) -> UUID:
    with tenant_session(tenant_id) as session:
        user = User(
            tenant_id=tenant_id, email=f"{role}-{active}@tools.example.com", role=role, is_active=active
        )
        session.add(user)
        session.flush()
        return user.id


def test_a_tool_uses_the_context_identity(make_tenant):
    tenant = make_tenant()
    ctx = ToolContext(tenant.id, tenant.owner_id, Role.owner, "copilot")

    created = _run(ctx, "create_lead", {"name": "Nia", "email": "nia@example.com"})

    assert created.status == "success" and created.artifact == {"outcome": "ok"}
    with tenant_session(tenant.id) as session:
        assert session.query(Lead).one().name == "Nia"


def test_the_context_role_is_not_trusted_the_database_is(make_tenant):
    tenant = make_tenant()
    student = _user(tenant.id, Role.student)
    gone = _user(tenant.id, Role.admin, active=False)

    claimed = _run(ToolContext(tenant.id, student, Role.admin, "copilot"), "create_lead", {"name": "X"})
    disabled = _run(ToolContext(tenant.id, gone, Role.admin, "copilot"), "create_lead", {"name": "Y"})

    assert claimed.status == "error" and claimed.artifact == {"outcome": "forbidden"}
    assert disabled.status == "error" and "invalid_token" in disabled.content
    with tenant_session(tenant.id) as session:
        assert session.query(Lead).all() == []
