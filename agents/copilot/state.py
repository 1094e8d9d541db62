"""The copilot's graph state: messages and human decisions on approval-gated calls."""

from agents.core import AgentState


class CopilotState(AgentState):
    """Conversation state of a copilot thread."""
