"""A gateway model group as the policy: its real calls are scored on the database, tokens counted."""

from evals.runner import gateway, run_suite
from evals.suite import Suite, load_suite

COPILOT = load_suite("copilot")


def _suite() -> Suite:
    qualify = next(t for t in COPILOT.tasks if t.id == "qualify-omar")
    lookup = {
        "id": "lookup-lena",
        "fixture": "school",
        "turns": ["Lena Lopez"],
        "plan": [{"answer": "unused by a gateway policy"}],
        "expect": {"tables": ["leads", "tasks"], "facts": ["Found 1 lead"]},
    }
    return Suite.model_validate(
        {"name": "gateway-smoke", "fixtures": COPILOT.fixtures, "tasks": [lookup, qualify.model_dump()]}
    )


def test_a_gateway_model_is_scored_honestly(gateway_model, tmp_path):
    summary = run_suite(
        _suite(), gateway("eval-copilot"), policy_name="gateway:eval-copilot", output=tmp_path
    )

    lookup, qualify = summary.results
    assert (lookup.reward, lookup.answer) == (1, "Found 1 lead(s).")
    assert [c["tool"] for c in lookup.trajectory] == ["search_leads"]
    assert lookup.tokens == {"input": 40, "output": 10}
    assert (qualify.reward, qualify.category) == (0, "end_state")
    assert summary.pass_k == {1: 0.5}
    assert gateway_model.received[0]["model"] == "eval-copilot-model"
    assert "gateway:eval-copilot" in (tmp_path / "report.md").read_text()
