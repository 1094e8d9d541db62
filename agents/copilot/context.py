"""The copilot's runtime context: tenant, user and role, set by the server for every run."""

from dataclasses import dataclass

from tools.context import ToolContext


@dataclass(frozen=True)
class CopilotContext(ToolContext):
    """Identity of the staff member the copilot acts for."""

    agent: str = "copilot"
