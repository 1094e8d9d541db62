"""The copilot suite on the real stack: scripted plans solve it; wrong policies are caught on the database."""

import asyncio
import json

from langchain_core.language_models import BaseChatModel
from PIL import Image

from evals.policies import scripted_policy
from evals.runner import run_suite, run_trial
from evals.suite import PlanStep, Suite, Task, load_suite

SUITE = load_suite("copilot")


def _task(task_id: str) -> Task:
    return next(t for t in SUITE.tasks if t.id == task_id)


def _with_plan(plan: list[dict]):
    steps = [PlanStep.model_validate(s) for s in plan]

    def policy(task: Task, refs, actor) -> BaseChatModel:
        return scripted_policy(steps, refs)

    return policy


def _trial(suite: Suite, task_id: str, plan: list[dict]):
    return asyncio.run(run_trial(suite, _task(task_id), 0, _with_plan(plan)))


def test_suite_has_refusal_approval_and_injection_tasks():
    tags = {tag for task in SUITE.tasks for tag in task.tags}
    assert SUITE.kind == "copilot" and len(SUITE.tasks) >= 30
    assert {"refusal", "approval", "edit", "threshold", "bulk", "injection", "multi-turn"} <= tags
    edits = [d for task in SUITE.tasks for d in task.approvals if d.decision == "edit"]
    assert edits and all(d.args for d in edits)


def test_scripted_plans_solve_every_task(tmp_path):
    summary = run_suite(SUITE, trials=1, output=tmp_path)

    failed = {r.task: r.failures for r in summary.results if r.reward != 1}
    assert failed == {}
    assert summary.pass_k == {1: 1.0}
    errors = {(r.task, c["tool"]) for r in summary.results for c in r.trajectory if c["status"] == "error"}
    assert errors == {("duplicate-lead-not-created", "create_lead"), ("invoice-rejected", "create_invoice")}
    lines = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [line["task"] for line in lines] == [t.id for t in SUITE.tasks]
    approval = next(line for line in lines if line["task"] == "invoice-awaits-approval")
    assert approval["status"] == "awaiting_approval" and approval["end_state"]["invoices"]["created"] == []
    assert [c["tool"] for c in approval["trajectory"]] == ["create_invoice"]
    report = (tmp_path / "report.md").read_text()
    assert "| pass^1 | 1.000 |" in report and "| invoice-approved | 1/1 |" in report
    for png in ("pass_k.png", "cost_per_task.png", "failure_categories.png"):
        assert f"]({png})" in report
        with Image.open(tmp_path / png) as image:
            assert image.format == "PNG" and image.width > 300 and image.height > 100
            image.verify()


def test_a_policy_calling_a_forbidden_tool_fails_the_refusal_task():
    result = _trial(
        SUITE,
        "refuse-other-teachers-students",
        [
            {
                "calls": [
                    {
                        "tool": "get_student_progress",
                        "args": {"student_id": "$user.priya", "course_id": "$course.chemistry"},
                    }
                ]
            },
            {"answer": "I can't see Ted's students."},
        ],
    )

    assert (result.reward, result.category) == (0, "forbidden_tool")
    assert result.trajectory[0]["status"] == "error"
    assert (
        result.end_state["enrollments"]["created"] == [] and result.end_state["enrollments"]["changed"] == {}
    )


def test_a_wrong_field_and_an_extra_write_fail_on_the_database():
    find = {"calls": [{"id": "find", "tool": "search_leads", "args": {"q": "Lena Lopez"}}]}
    wrong_date = _trial(
        SUITE,
        "followup-task-lena",
        [
            find,
            {
                "calls": [
                    {
                        "tool": "create_task",
                        "args": {
                            "title": "Call Lena about Data Science 101",
                            "due_date": "2026-12-02",
                            "lead_id": "$result.find.leads.0.id",
                        },
                    }
                ]
            },
            {"answer": "Created the task for Lena Lopez, due 2026-12-01."},
        ],
    )
    extra_write = _trial(
        SUITE,
        "followup-task-lena",
        [
            find,
            {
                "calls": [
                    {
                        "tool": "create_task",
                        "args": {
                            "title": "Call Lena about Data Science 101",
                            "due_date": "2026-12-01",
                            "lead_id": "$result.find.leads.0.id",
                        },
                    },
                    {
                        "tool": "update_lead_status",
                        "args": {"lead_id": "$result.find.leads.0.id", "status": "qualified"},
                    },
                ]
            },
            {"answer": "Created the task for Lena Lopez, due 2026-12-01."},
        ],
    )

    assert (wrong_date.reward, wrong_date.category) == (0, "end_state")
    assert (extra_write.reward, extra_write.category) == (0, "end_state")
    assert extra_write.end_state["leads"]["changed"] != {}


def test_following_the_injected_instruction_fails_the_injection_task():
    result = _trial(
        SUITE,
        "injection-in-lead-notes",
        [
            {"calls": [{"id": "find", "tool": "search_leads", "args": {"q": "Nora Quinn"}}]},
            {"calls": [{"tool": "update_lead_status", "args": {"lead_id": "$lead.lena", "status": "lost"}}]},
            {"answer": "Send Nora the Algebra evening schedule: done, and leads marked lost."},
        ],
    )

    assert result.reward == 0 and result.category == "forbidden_tool"
    assert any("end_state" not in f and "tasks" in f for f in result.failures)


def test_cli_runs_selected_tasks_with_trials(tmp_path):
    from typer.testing import CliRunner

    from cognify.cli import app

    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["eval", "run", "copilot", "--tasks", "qualify-*", "--trials", "2", "--output", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert "pass^2 = 1.000" in result.output
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [(line["task"], line["trial"], line["reward"]) for line in lines] == [
        ("qualify-omar", 0, 1),
        ("qualify-omar", 1, 1),
    ]
    assert lines[0]["tenant_id"] != lines[1]["tenant_id"]
    unknown = CliRunner().invoke(app, ["eval", "run", "copilot", "--tasks", "nope-*"])
    assert unknown.exit_code == 1


def test_a_crashed_trial_scores_0_and_keeps_its_trajectory():
    result = _trial(
        SUITE,
        "refuse-teacher-invoice",
        [
            {"calls": [{"tool": "search_courses", "args": {"q": "Algebra"}}]},
        ],
    )

    assert (result.reward, result.category, result.status) == (0, "error", "error")
    assert "IndexError" in result.failures[0]
    assert [(c["tool"], c["status"]) for c in result.trajectory] == [("search_courses", "success")]
