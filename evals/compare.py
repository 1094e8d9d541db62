"""Comparing two runs of any suite kind by per-task mean reward (rows need `task`, `trial`, `reward`)."""

import json
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table


def load_rewards(run: Path) -> dict[str, list[float]]:
    """Rewards by task, in first-seen order, from a run directory (or its results.jsonl)."""
    path = run / "results.jsonl" if run.is_dir() else run
    if not path.is_file():
        raise ValueError(f"no results.jsonl at {path}")
    rewards: dict[str, list[float]] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rewards.setdefault(str(row["task"]), []).append(float(row["reward"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a result row with task and reward ({exc})") from exc
    return rewards


@dataclass(frozen=True)
class TaskDelta:
    """One task's mean reward in run A and run B (None when the run lacks the task)."""

    task: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    def verdict(self, tolerance: float = 0.0) -> str:
        """regression, improvement, same, only in A or only in B."""
        if self.delta is None:
            return "only in A" if self.b is None else "only in B"
        if self.delta < -tolerance - 1e-9:
            return "regression"
        return "improvement" if self.delta > tolerance + 1e-9 else "same"


def compare(a: dict[str, list[float]], b: dict[str, list[float]]) -> list[TaskDelta]:
    """Per-task mean rewards, tasks of A first (in order), then tasks only B has."""
    def mean(values: list[float] | None) -> float | None:
        return sum(values) / len(values) if values else None

    tasks = list(a) + [task for task in b if task not in a]
    return [TaskDelta(task, mean(a.get(task)), mean(b.get(task))) for task in tasks]


STYLES = {"regression": "red", "improvement": "green", "same": "dim"}


def table(deltas: list[TaskDelta], name_a: str, name_b: str, tolerance: float = 0.0) -> Table:
    """A Rich table of the comparison, one row per task, regressions red and improvements green."""
    def fmt(value: float | None, signed: bool = False) -> str:
        return "-" if value is None else f"{value:+.3f}" if signed else f"{value:.3f}"

    out = Table(title=f"mean reward per task: A = {name_a}, B = {name_b}")
    for column, justify in (("task", "left"), ("A", "right"), ("B", "right"), ("B - A", "right"),
                            ("verdict", "left")):
        out.add_column(column, justify=justify)  # type: ignore[arg-type]
    for d in deltas:
        verdict = d.verdict(tolerance)
        out.add_row(d.task, fmt(d.a), fmt(d.b), fmt(d.delta, signed=True), verdict,
                    style=STYLES.get(verdict, "yellow"))
    return out
