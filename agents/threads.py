"""Thread ownership: a thread belongs to one user of one tenant; anyone else gets 404."""

from uuid import UUID

from agents.models import AgentName, AgentThread
from cognify.db import TenantSession
from cognify.errors import Forbidden, NotFound
from cognify.models import utcnow
from cognify.security import Actor
from domain.privacy.consent import Purpose, require_consent

AI_POLICY_VERSION = "ai-use-1"  # the tenant's AI-use policy a tutor user accepts; bump when it changes


def require_agent(actor: Actor, agent: AgentName) -> None:
    """403 unless the actor may use the agent (`agents:copilot` / `agents:tutor`)."""
    if not actor.can(f"agents:{agent.value}"):
        raise Forbidden(f"Missing permission 'agents:{agent.value}'")


def require_policy(session: TenantSession, actor: Actor, agent: AgentName) -> None:
    """The tutor talks only with users who accepted the AI-use policy (`ai_tutor` consent): 409 otherwise."""
    if agent == AgentName.tutor:
        require_consent(session, actor.tenant_id, actor.user_id, Purpose.ai_tutor)


def create_thread(session: TenantSession, actor: Actor, agent: AgentName) -> AgentThread:
    """A new, empty thread of the actor."""
    require_agent(actor, agent)
    require_policy(session, actor, agent)
    thread = AgentThread(tenant_id=actor.tenant_id, user_id=actor.user_id, agent=agent)
    session.add(thread)
    session.flush()
    return thread


def owned_thread(session: TenantSession, actor: Actor, agent: AgentName, thread_id: UUID) -> AgentThread:
    """The actor's own thread of this agent; 404 for any other (checked before any checkpoint is read)."""
    require_agent(actor, agent)
    thread = session.get(AgentThread, thread_id)
    if thread is None or thread.user_id != actor.user_id or thread.agent != agent:
        raise NotFound("Thread not found")
    return thread


def touch_thread(session: TenantSession, thread_id: UUID, first_message: str | None = None) -> None:
    """Stamp activity; the first message becomes the title."""
    thread = session.get(AgentThread, thread_id)
    if thread is None:
        return
    thread.updated_at = utcnow()
    if first_message and not thread.title:
        thread.title = first_message[:200]
    session.add(thread)


def postable_thread(session: TenantSession, actor: Actor, agent: AgentName, thread_id: UUID) -> AgentThread:
    """The actor's own thread, when they may send it a message now (a withdrawn consent stops the tutor)."""
    thread = owned_thread(session, actor, agent, thread_id)
    require_policy(session, actor, agent)
    return thread
