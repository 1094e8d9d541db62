"""Suite kinds and the CLI: dispatch by `kind`, clear errors, and a CI smoke of the copilot suite."""

import json

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from cognify.cli import app
from evals import kinds
from evals.suite import Decision, Task, load_suite

COPILOT_YAML = kinds.SUITES_DIR / "copilot.yaml"


def _suite_file(tmp_path, **top) -> str:
    data = {k: v for k, v in yaml.safe_load(COPILOT_YAML.read_text()).items() if k != "kind"}
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump({**data, **top}))
    return str(path)


def test_suite_paths_and_kinds(tmp_path):
    assert kinds.suite_path("copilot") == COPILOT_YAML
    assert kinds.suite_kind(COPILOT_YAML) == "copilot"
    assert kinds.suite_kind(kinds.suite_path(_suite_file(tmp_path))) == "copilot"  # absent means copilot
    assert load_suite(_suite_file(tmp_path)).kind == "copilot"
    with pytest.raises(ValueError, match="no suite at"):
        kinds.suite_path("no-such-suite")
    assert kinds.RUNNERS == {
        "copilot": "evals.runner",
        "tutor": "evals.tutor",
        "proctoring": "evals.proctoring_suite",
        "gateway": "evals.gateway_suite",
    }
    assert kinds.runner_module("copilot").run_cli


def test_approval_decisions_are_strings_or_edits_with_args():
    task = load_suite("copilot").tasks[0].model_dump()
    plain = Task.model_validate({**task, "approvals": ["approve", {"decision": "edit", "args": {"x": 1}}]})
    assert [(d.decision, d.args) for d in plain.approvals] == [("approve", None), ("edit", {"x": 1})]
    for bad in ({"decision": "edit"}, {"decision": "approve", "args": {}}, {"decision": "maybe"}):
        with pytest.raises(ValidationError):
            Decision.model_validate(bad)


def test_unknown_or_missing_kinds_fail_clearly(tmp_path, monkeypatch):
    runner = CliRunner()
    unknown = runner.invoke(app, ["eval", "run", _suite_file(tmp_path, kind="quiz")])
    assert unknown.exit_code == 1 and "unknown suite kind 'quiz'" in unknown.output
    monkeypatch.setitem(kinds.RUNNERS, "future", "evals.no_such_runner")
    missing = runner.invoke(app, ["eval", "run", _suite_file(tmp_path, kind="future")])
    assert missing.exit_code == 1 and "has no runner" in missing.output
    tutor = _suite_file(tmp_path, kind="tutor")
    user_group = runner.invoke(app, ["eval", "run", tutor, "--user-model-group", "x"])
    assert user_group.exit_code == 1 and "applies to copilot suites" in user_group.output
    assert runner.invoke(app, ["eval", "run", "no-such-suite"]).exit_code == 1


def test_ci_smoke_of_the_copilot_suite_through_the_cli(tmp_path):
    out = tmp_path / "smoke"
    result = CliRunner().invoke(
        app, ["eval", "run", "copilot", "--tasks", "invoice-*", "--parallel", "2", "--output", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert "pass^1 = 1.000" in result.output
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    expected = [t.id for t in load_suite("copilot").tasks if t.id.startswith("invoice-")]
    assert [(r["task"], r["trial"], r["reward"], r["category"]) for r in lines] == [
        (task, 0, 1, None) for task in expected
    ]
    assert len(expected) == 5
    assert {p.name for p in out.iterdir()} == {
        "results.jsonl",
        "report.md",
        "pass_k.png",
        "cost_per_task.png",
        "failure_categories.png",
    }
