"""Suite kinds: which module runs a suite, read from the YAML's top-level `kind` (absent = copilot).

Every runner module exposes `run_cli(path, *, model_group, trials, pattern, output, parallel, progress)`
which runs the suite, writes `output/results.jsonl` (one object per line with at least `task`, `trial`,
`reward` in 0..1 and `category`) and `output/report.md` (+ PNGs), advances its own progress task,
and returns headline metrics (e.g. {"pass^1": 0.93}).
"""

import fnmatch
import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Protocol, TypeVar

import yaml

SUITES_DIR = Path(__file__).parent / "suites"
DEFAULT_KIND = "copilot"
RUNNERS = {
    "copilot": "evals.runner",
    "tutor": "evals.tutor",
    "proctoring": "evals.proctoring_suite",
    "gateway": "evals.gateway_suite",
}


def suite_path(name_or_path: str | Path) -> Path:
    """A suite's file: a bare name means `evals/suites/NAME.yaml`; ValueError when there is none."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SUITES_DIR / f"{path}.yaml"
    if not path.is_file():
        raise ValueError(f"no suite at {path}")
    return path


def suite_kind(path: Path) -> str:
    """The suite's `kind` (only that key is read; the kind's runner validates the rest)."""
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a suite is a YAML mapping")
    return str(data.get("kind") or DEFAULT_KIND)


def runner_module(kind: str) -> ModuleType:
    """The module that runs suites of `kind`, imported on demand; ValueError for an unknown kind."""
    if kind not in RUNNERS:
        raise ValueError(f"unknown suite kind {kind!r} (known: {', '.join(sorted(RUNNERS))})")
    try:
        return importlib.import_module(RUNNERS[kind])
    except ModuleNotFoundError as exc:
        if exc.name != RUNNERS[kind]:
            raise
        raise ValueError(f"suite kind {kind!r} has no runner: module {RUNNERS[kind]} is missing") from exc


class _Identified(Protocol):
    id: str


Item = TypeVar("Item", bound=_Identified)


def select_by_id(items: Sequence[Item], pattern: str | None, noun: str, suite: str) -> list[Item]:
    """The items whose id matches the glob `pattern` (all when None); ValueError when none does."""
    chosen = [item for item in items if pattern is None or fnmatch.fnmatch(item.id, pattern)]
    if not chosen:
        raise ValueError(f"no {noun} of suite {suite} matches {pattern!r}")
    return chosen
