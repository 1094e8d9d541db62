"""The agent audit log: every tool call, approval decision and refusal."""

import json
from typing import Any
from uuid import UUID

from sqlmodel import col, select

from agents.models import AgentAudit, AuditKind
from cognify.crud import page
from cognify.db import TenantSession, tenant_session
from cognify.errors import Forbidden
from cognify.security import Actor
from tools.context import ToolContext

SUMMARY_CHARS = 500


def summarize(value: Any) -> str:
    """A short text of a result for the log."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def record(
    ctx: ToolContext,
    kind: AuditKind,
    outcome: str,
    *,
    tool: str | None = None,
    tool_call_id: str | None = None,
    args: dict[str, Any] | None = None,
    summary: str = "",
) -> None:
    """Write one audit row in its own transaction (it survives the tool's rollback)."""
    with tenant_session(ctx.tenant_id, ctx.user_id) as session:
        session.add(
            AgentAudit(
                tenant_id=ctx.tenant_id,
                user_id=ctx.user_id,
                thread_id=ctx.thread_id,
                agent=ctx.agent,
                kind=kind,
                tool=tool,
                tool_call_id=tool_call_id,
                outcome=outcome,
                args=json.loads(json.dumps(args or {}, default=str)),
                summary=summarize(summary),
            )
        )


def list_audit(
    session: TenantSession,
    actor: Actor,
    *,
    user_id: UUID | None = None,
    thread_id: UUID | None = None,
    kind: AuditKind | None = None,
    tool: str | None = None,
    outcome: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AgentAudit], int]:
    """A page of the tenant's audit rows, newest first (admins: `audit:read`)."""
    if not actor.can("audit:read"):
        raise Forbidden("Missing permission 'audit:read'")
    query = select(AgentAudit)
    for column, value in (
        (AgentAudit.user_id, user_id),
        (AgentAudit.thread_id, thread_id),
        (AgentAudit.kind, kind),
        (AgentAudit.tool, tool),
        (AgentAudit.outcome, outcome),
    ):
        if value is not None:
            query = query.where(column == value)
    return page(session, query.order_by(col(AgentAudit.created_at).desc()), limit, offset)
