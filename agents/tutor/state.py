"""The tutor's graph state."""

from agents.core import AgentState


class TutorState(AgentState):
    """Conversation state of a tutor thread."""
