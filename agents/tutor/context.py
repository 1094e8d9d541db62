"""The tutor's runtime context: tenant, student and role, set by the server for every run."""

from dataclasses import dataclass

from tools.context import ToolContext


@dataclass(frozen=True)
class TutorContext(ToolContext):
    """Identity of the student the tutor helps."""

    agent: str = "tutor"
