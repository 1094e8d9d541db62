"""The runtime context every tool reads its identity from (LangGraph `context_schema`)."""

from dataclasses import dataclass
from uuid import UUID

from cognify.security import Role


@dataclass(frozen=True)
class ToolContext:
    """Who is acting, in which tenant, through which agent and thread: set by the server, not the model."""

    tenant_id: UUID
    user_id: UUID
    role: Role
    agent: str
    thread_id: UUID | None = None
