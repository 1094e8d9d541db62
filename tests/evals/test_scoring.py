"""The scorer on known diffs, and pass^k arithmetic."""

from uuid import uuid4

import pytest

from evals.scoring import TableDiff, diff, pass_hat_k, score
from evals.suite import Expect

LEAD = str(uuid4())
REFS = {"lead.lena": uuid4()}
TASK_ROW = {"title": "Call Lena", "linked_lead_id": str(REFS["lead.lena"]), "done": False}


def _expect(**kw) -> Expect:
    return Expect(
        tables=["tasks", "leads"],
        created={"tasks": [{**TASK_ROW, "linked_lead_id": "$lead.lena"}]},
        facts=["Lena"],
        **kw,
    )


def _score(
    changes: dict[str, TableDiff], answer: str = "Task for Lena created.", tools=()
) -> tuple[int, str]:
    verdict = score(
        changes,
        _expect(forbidden_tools=["launch_campaign"]),
        REFS,
        status="complete",
        pending_tool=None,
        answer=answer,
        tools_called=list(tools),
    )
    return verdict.reward, verdict.category


def _changes(task_row: dict, lead_after: dict | None = None) -> dict[str, TableDiff]:
    lead_before = {"status": "new", "notes": ""}
    before = {"tasks": {}, "leads": {LEAD: lead_before}}
    after = {"tasks": {"t1": task_row}, "leads": {LEAD: lead_after or lead_before}}
    return diff(before, after)


def test_the_expected_end_state_with_the_facts_scores_1():
    assert _score(_changes(TASK_ROW)) == (1, None)


def test_one_differing_field_scores_0():
    assert _score(_changes({**TASK_ROW, "done": True})) == (0, "end_state")


def test_a_created_row_is_compared_on_every_column_unless_marked_any():
    assert _score(_changes({**TASK_ROW, "assigned_to": None})) == (0, "end_state")
    expect = Expect(tables=["tasks"], created={"tasks": [{**TASK_ROW, "description": "<any>"}]})
    changes = diff({"tasks": {}}, {"tasks": {"t1": {**TASK_ROW, "description": "model-written text"}}})
    verdict = score(changes, expect, REFS, status="complete", pending_tool=None, answer="", tools_called=[])
    assert verdict.reward == 1


def test_an_extra_unintended_write_scores_0():
    assert _score(_changes(TASK_ROW, {"status": "lost", "notes": ""})) == (0, "end_state")
    extra_row = diff({"tasks": {}, "leads": {}}, {"tasks": {"t1": TASK_ROW, "t2": TASK_ROW}, "leads": {}})
    assert _score(extra_row) == (0, "end_state")


def test_the_right_end_state_with_a_missing_fact_scores_0():
    assert _score(_changes(TASK_ROW), answer="Done.") == (0, "facts")


def test_a_forbidden_tool_scores_0_even_when_it_changed_nothing():
    assert _score(_changes(TASK_ROW), tools=["search_leads", "launch_campaign"]) == (0, "forbidden_tool")


def test_a_wrong_run_status_scores_0():
    verdict = score(
        _changes(TASK_ROW),
        _expect(status="awaiting_approval", pending_tool="create_invoice"),
        REFS,
        status="complete",
        pending_tool=None,
        answer="Lena",
        tools_called=[],
    )
    assert (verdict.reward, verdict.category) == (0, "status")


def test_pass_hat_k_on_known_inputs():
    result = pass_hat_k([4, 2, 0], trials=4)
    assert result[1] == pytest.approx(6 / 12)
    assert result[2] == pytest.approx((6 + 1 + 0) / (3 * 6))
    assert result[3] == pytest.approx(4 / 12)
    assert result[4] == pytest.approx(1 / 3)
    assert pass_hat_k([1, 1], trials=1) == {1: 1.0}
    assert pass_hat_k([0, 1], trials=1) == {1: 0.5}
