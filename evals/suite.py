"""Suites as data: fixtures, tasks, scripted plans and expected end states, loaded from YAML."""

import re
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evals.kinds import suite_path

KINDS = "user|lead|course|student|campaign|invoice|followup"
REF = re.compile(rf"^\$({KINDS})\.(\w+)$")
TEXT_REF = re.compile(rf"\$({KINDS})\.(\w+)")
Refs = dict[str, UUID]


class Strict(BaseModel):
    """Suite models refuse unknown keys, so a typo in a suite fails loudly."""

    model_config = ConfigDict(extra="forbid")


class Fixture(Strict):
    """Seed rows of a tenant, keyed by names the tasks refer to as `$kind.key` (`$user.owner` exists)."""

    users: dict[str, dict[str, Any]] = Field(default_factory=dict)
    leads: dict[str, dict[str, Any]] = Field(default_factory=dict)
    courses: dict[str, dict[str, Any]] = Field(default_factory=dict)
    students: dict[str, dict[str, Any]] = Field(default_factory=dict)
    enrollments: list[dict[str, Any]] = Field(default_factory=list)
    invoices: dict[str, dict[str, Any]] = Field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = Field(default_factory=dict)
    followups: dict[str, dict[str, Any]] = Field(default_factory=dict)


class PlannedCall(Strict):
    """One tool call of a scripted plan; `$kind.key` and `$result.<call id>.<path>` are resolved."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class PlanStep(Strict):
    """One model message: tool calls, or a final answer."""

    calls: list[PlannedCall] = Field(default_factory=list)
    answer: str = ""


class Expect(Strict):
    """The expected end: run status, rows created and changed in `tables`, facts, forbidden tools."""

    status: str = "complete"
    pending_tool: str | None = None
    tables: list[str] = Field(default_factory=list)
    created: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    changed: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)
    facts: list[str | list[str]] = Field(default_factory=list)
    forbidden_tools: list[str] = Field(default_factory=list)


class Decision(Strict):
    """A reviewer's answer to an approval pause; `edit` carries the changed arguments (merged over the
    proposed ones, as a reviewer edits fields of the shown call; `$kind.key` resolved)."""

    decision: Literal["approve", "reject", "edit"]
    args: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _edit_has_args(self) -> "Decision":
        if (self.decision == "edit") != (self.args is not None):
            raise ValueError("args are given exactly when the decision is edit")
        return self


class Task(Strict):
    """One tau-bench-style task: who asks what of the copilot in which seeded tenant, and what must result.

    `turns` are the staff member's recorded messages (the scripted user); `goal` is what a simulated
    user is told to achieve (default: the turns), and `persona` how they behave.
    """

    id: str
    fixture: str
    user: str = "owner"
    turns: list[str] = Field(min_length=1)
    goal: str = ""
    persona: str = ""
    approvals: list[Decision] = Field(default_factory=list)
    plan: list[PlanStep] = Field(min_length=1)
    expect: Expect
    tags: list[str] = Field(default_factory=list)

    @field_validator("approvals", mode="before")
    @classmethod
    def _plain_decisions(cls, value: Any) -> Any:
        """`approve` / `reject` may be written as plain strings."""
        return [{"decision": v} if isinstance(v, str) else v for v in value or []]


class Suite(Strict):
    """A named set of tasks over named fixtures."""

    kind: Literal["copilot"] = "copilot"
    name: str
    agent: str = "copilot"
    description: str = ""
    fixtures: dict[str, Fixture]
    tasks: list[Task]


def load_suite(name_or_path: str | Path) -> Suite:
    """A suite by name (`evals/suites/NAME.yaml`) or by path; fixtures named by tasks must exist."""
    path = suite_path(name_or_path)
    suite = Suite.model_validate(yaml.safe_load(path.read_text()))
    ids = [task.id for task in suite.tasks]
    if len(ids) != len(set(ids)):
        raise ValueError(f"suite {suite.name}: duplicate task ids")
    for task in suite.tasks:
        if task.fixture not in suite.fixtures:
            raise ValueError(f"task {task.id}: unknown fixture {task.fixture}")
    return suite


def resolve(value: Any, refs: Refs) -> Any:
    """`value` with every `$kind.key` string replaced by the id (as a string) the fixture gave it."""
    if isinstance(value, str):
        match = REF.match(value)
        if match is None:
            return value
        key = f"{match[1]}.{match[2]}"
        if key not in refs:
            raise ValueError(f"unknown reference {value}")
        return str(refs[key])
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    if isinstance(value, dict):
        return {resolve(k, refs): resolve(v, refs) for k, v in value.items()}
    return value


def resolve_text(text: str, refs: Refs) -> str:
    """`text` with every embedded `$kind.key` replaced by its id (instructions may name ids)."""
    return TEXT_REF.sub(lambda m: resolve(m[0], refs), text)
