"""`cognify eval compare`: per-task mean rewards of two runs, regressions fail the command (CI gate)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cognify.cli import app
from evals.compare import compare, load_rewards


def _run(path: Path, rewards: dict[str, list[float]], **extra) -> Path:
    path.mkdir()
    rows = [
        {"task": task, "trial": n, "reward": r, "category": None if r == 1 else "end_state", **extra}
        for task, values in rewards.items()
        for n, r in enumerate(values)
    ]
    (path / "results.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_per_task_means_and_verdicts():
    deltas = compare(
        {"a": [1, 1], "b": [1, 0], "c": [0, 0], "gone": [1]},
        {"a": [1, 0], "b": [1, 1], "c": [0, 0], "new": [1]},
    )

    assert [(d.task, d.a, d.b, d.verdict()) for d in deltas] == [
        ("a", 1.0, 0.5, "regression"),
        ("b", 0.5, 1.0, "improvement"),
        ("c", 0.0, 0.0, "same"),
        ("gone", 1.0, None, "only in A"),
        ("new", None, 1.0, "only in B"),
    ]
    assert deltas[0].verdict(tolerance=0.5) == "same"


def test_compare_lists_a_regression_and_exits_1(tmp_path):
    base = _run(tmp_path / "a", {"qualify-omar": [1, 1], "invoice-approved": [0, 1], "refusal": [1, 1]})
    head = _run(tmp_path / "b", {"qualify-omar": [1, 0], "invoice-approved": [1, 1], "refusal": [1, 1]})

    result = CliRunner().invoke(app, ["eval", "compare", str(base), str(head)])

    assert result.exit_code == 1, result.output
    assert "regressions (1): qualify-omar (1.000 -> 0.500)" in result.output
    assert "improvements (1): invoice-approved (0.500 -> 1.000)" in result.output
    assert "exit code" in CliRunner().invoke(app, ["eval", "compare", "--help"]).output.lower()


def test_compare_without_regressions_exits_0_for_any_suite_kind(tmp_path):
    rows = {"scene-1": [0.5, 0.75], "scene-2": [1.0]}
    base = _run(tmp_path / "a", rows, kind="proctoring")
    head = _run(tmp_path / "b", {**rows, "scene-2": [1.0, 1.0]}, kind="proctoring")

    result = CliRunner().invoke(app, ["eval", "compare", str(base), str(head / "results.jsonl")])

    assert result.exit_code == 0, result.output
    assert "regressions (0): none" in result.output and "scene-1" in result.output


def test_an_unreadable_run_is_a_clear_error(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.jsonl").write_text('{"trial": 0}\n')

    with pytest.raises(ValueError, match="results.jsonl:1"):
        load_rewards(tmp_path / "bad")
    result = CliRunner().invoke(app, ["eval", "compare", str(tmp_path / "bad"), str(tmp_path / "none")])
    assert result.exit_code == 1 and "results.jsonl" in result.output
