"""Tools read identity from the LangGraph runtime context and rebuild the actor from the database."""

import asyncio
import time
from decimal import Decimal
from typing import Any
from uuid import UUID

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from sqlalchemy import text

from cognify.db import tenant_session
from cognify.security import Role
from domain.crm.models import Lead
from domain.identity.models import User
from domain.sis.billing_models import Invoice
from domain.sis.models import Student
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


def test_payment_reminder_emails_the_student_and_refuses_paid_invoices(
    make_tenant, celery_worker, smtp_inbox
) -> None:
    tenant = make_tenant()
    with tenant_session(tenant.id) as session:
        student = Student(tenant_id=tenant.id, personal_info={"name": "Priya", "email": "priya@example.com"})
        session.add(student)
        session.flush()
        open_invoice = Invoice(tenant_id=tenant.id, student_id=student.id, amount=Decimal("450.00"),
                               currency="EUR", status="open", description="Data Science 101")
        paid = Invoice(tenant_id=tenant.id, student_id=student.id, amount=Decimal("10.00"),
                       currency="EUR", status="paid")
        session.add_all([open_invoice, paid])
    ctx = ToolContext(tenant.id, tenant.owner_id, Role.owner, "copilot")

    sent = _run(ctx, "send_payment_reminder", {"invoice_id": str(open_invoice.id), "note": "Thanks!"})
    refused = _run(ctx, "send_payment_reminder", {"invoice_id": str(paid.id)})

    assert sent.status == "success" and "priya@example.com" in sent.content
    assert refused.status == "error" and "paid" in refused.content
    deadline = time.monotonic() + 60
    while not smtp_inbox.to("priya@example.com"):
        assert time.monotonic() < deadline, "the reminder email never arrived"
        time.sleep(0.1)
    email = smtp_inbox.to("priya@example.com")[0]
    assert email["Subject"] == "Payment reminder: 450.00 EUR due"
    assert "Thanks!" in email.get_payload()
    with tenant_session(tenant.id) as session:
        assert session.execute(text("SELECT count(*) FROM outbound_messages")).scalar_one() == 1
