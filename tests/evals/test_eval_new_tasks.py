"""The approval-edit, threshold and bulk tasks on the real stack; parallel trials score like serial ones."""

import asyncio

from langchain_core.language_models import BaseChatModel

from evals.policies import scripted_policy
from evals.runner import run_suite, run_trial, scripted
from evals.suite import Task, load_suite

SUITE = load_suite("copilot")


def _task(task_id: str, **changes) -> Task:
    task = next(t for t in SUITE.tasks if t.id == task_id)
    return Task.model_validate({**task.model_dump(), **changes})


def test_an_edited_approval_ends_with_the_reviewers_amount():
    result = asyncio.run(run_trial(SUITE, _task("invoice-edited-before-approval"), 0, scripted))

    assert (result.reward, result.status) == (1, "complete"), result.failures
    [invoice] = result.end_state["invoices"]["created"]
    assert (invoice["amount"], invoice["description"]) == ("400.00", "Algebra term fee (sibling discount)")
    [call] = result.trajectory
    assert (call["tool"], call["args"]["amount"], call["status"]) == ("create_invoice", "400.00", "success")
    assert call["args"]["student_id"] and call["args"]["currency"] == "USD"  # the rest as proposed


def test_approving_the_unedited_invoice_fails_the_edit_task():
    task = _task("invoice-edited-before-approval", approvals=["approve"])
    result = asyncio.run(run_trial(SUITE, task, 0, scripted))

    assert (result.reward, result.category) == (0, "end_state")
    assert result.end_state["invoices"]["created"][0]["amount"] == "450.00"


def test_an_invoice_above_the_threshold_waits_and_writes_nothing():
    result = asyncio.run(run_trial(SUITE, _task("invoice-above-threshold-waits"), 0, scripted))

    assert (result.reward, result.status) == (1, "awaiting_approval")
    assert [(c["tool"], c["status"]) for c in result.trajectory] == [("create_invoice", "pending")]
    assert all(not d["created"] and not d["changed"] for d in result.end_state.values())
    approved = _task("invoice-above-threshold-waits", approvals=["approve"])
    written = asyncio.run(run_trial(SUITE, approved, 0, scripted))
    assert (written.reward, written.category) == (0, "status")
    assert len(written.end_state["invoices"]["created"]) == 1


def test_the_bulk_campaign_runs_only_after_approval_and_its_task_is_created():
    result = asyncio.run(run_trial(SUITE, _task("bulk-campaign-approved-with-task"), 0, scripted))

    assert result.reward == 1, result.failures
    assert {c["tool"]: c["status"] for c in result.trajectory} == {
        "launch_campaign": "success",
        "create_task": "success",
    }
    rejected = _task("bulk-campaign-approved-with-task", approvals=["reject"])
    refused = asyncio.run(run_trial(SUITE, rejected, 0, scripted))
    assert refused.end_state["campaigns"]["changed"] == {} and refused.category == "end_state"


def _approval_tasks_answer_only(task: Task, refs, actor) -> BaseChatModel:
    """Solves tasks without approvals; on approval tasks it skips the calls (a mixed, known score)."""
    return scripted_policy(task.plan[-1:] if "approval" in task.tags else task.plan, refs)


def test_parallel_trials_score_and_order_like_serial_ones():
    runs = [
        run_suite(SUITE, _approval_tasks_answer_only, trials=2, pattern="inv*", parallel=n) for n in (1, 3)
    ]

    serial, parallel = ([(r.task, r.trial, r.reward, r.category) for r in run.results] for run in runs)
    assert parallel == serial
    assert {reward for _, _, reward, _ in serial} == {0, 1}
    selected = [t.id for t in SUITE.tasks if t.id.startswith("inv")]
    assert [task for task, trial, _, _ in serial if trial == 0] == selected
    assert runs[1].pass_k == runs[0].pass_k
    tenants = [r.tenant_id for run in runs for r in run.results]
    assert len(set(tenants)) == len(tenants)
