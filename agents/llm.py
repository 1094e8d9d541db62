"""Which chat model an agent talks to: the gateway's in-process model, chosen per agent by settings."""

from collections.abc import Callable
from uuid import UUID

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from pydantic_settings import BaseSettings, SettingsConfigDict

from agents.models import AgentName
from cognify.db import tenant_session
from cognify.errors import NotFound
from cognify.security import Actor, TokenClaims
from domain.identity.models import User
from domain.identity.service import load_actor
from gateway.client import GatewayChatModel

ChatModelFactory = Callable[[Actor, AgentName], BaseChatModel]


class AgentModelSettings(BaseSettings):
    """Gateway model groups per agent (`COGNIFY_AGENT_COPILOT_GROUP`, `COGNIFY_AGENT_TUTOR_GROUP`)."""

    model_config = SettingsConfigDict(env_prefix="COGNIFY_AGENT_", extra="ignore")
    copilot_group: str = "copilot"
    tutor_group: str = "tutor"


def gateway_chat_model(actor: Actor, agent: AgentName) -> BaseChatModel:
    """A gateway chat model acting as `actor` with purpose = the agent, so policy and budgets hold."""
    group = getattr(AgentModelSettings(), f"{agent.value}_group")
    return GatewayChatModel(actor=actor, purpose=agent.value, model=group)


def chat_model_factory() -> ChatModelFactory:
    """FastAPI dependency: the factory requests use (tests override it with a scripted model)."""
    return gateway_chat_model


def actor_from_config(config: RunnableConfig) -> Actor:
    """The actor named by `configurable.tenant_id` and `configurable.user_id` (LangGraph Studio runs)."""
    configurable = config.get("configurable") or {}
    tenant_id, user_id = UUID(str(configurable["tenant_id"])), UUID(str(configurable["user_id"]))
    with tenant_session(tenant_id, user_id) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("User not found")
        return load_actor(session, TokenClaims(user_id, tenant_id, user.role))
