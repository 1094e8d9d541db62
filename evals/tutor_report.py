"""The tutor suite's report.md and plots: headline metrics, pass rate per expectation, per question."""

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from evals.plots import bar_chart
from evals.report_parts import table
from evals.tutor_suite import TutorSuite

LABELS = {
    "recall_at_k": "retrieval recall@k", "gold_mrr": "gold MRR (first gold block)",
    "citation_precision": "citation precision",
    "refusal_accuracy": "refusal accuracy", "lock_rate": "exam lock", "socratic_rate": "Socratic rate",
}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def write_outputs(output: Path, suite: TutorSuite, policy: str, trials: int, results: list[Any],
                  metrics: dict[str, float | None]) -> None:
    """report.md with metrics.png (headline rates) and pass_by_expectation.png."""
    rates = {LABELS[k]: v for k, v in metrics.items() if k in LABELS and v is not None}
    bar_chart(output / "metrics.png", list(rates), list(rates.values()),
              title=f"{suite.name} ({policy}): headline rates, k = {suite.k}", xlabel="rate")
    kinds: dict[str, list[int]] = {}
    for r in results:
        kinds.setdefault(r.expect, []).append(r.reward)
    bar_chart(output / "pass_by_expectation.png", list(kinds), [sum(v) / len(v) for v in kinds.values()],
              title=f"{suite.name} ({policy}): pass rate by expectation", xlabel="pass rate")
    questions: dict[str, list[Any]] = {}
    for r in results:
        questions.setdefault(r.task, []).append(r)
    tokens = sum(r.tokens["input"] + r.tokens["output"] for r in results)
    note = " (recorded answers: proves retrieval, the graph and the scoring, not a model)" \
        if policy == "scripted" else ""
    lines = [
        f"# Eval run: {suite.name}", "", suite.description, "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- policy: {policy}{note}",
        f"- questions: {len(questions)}, trials per question: {trials}, retrieval k: {suite.k}", "",
        *table(["metric", "value"], [
            *[[k, _fmt(v)] for k, v in metrics.items() if k not in LABELS],
            *[[label, _fmt(metrics.get(k))] for k, label in LABELS.items()],
            ["tokens (total)", tokens],
            ["cost USD (total)", f"{sum((Decimal(r.cost_usd) for r in results), Decimal(0)):.6f}"],
            ["mean latency s (tutor graph)", f"{sum(r.latency_s for r in results) / len(results):.2f}"],
        ]), "",
        "![headline metrics](metrics.png)", "", "![pass rate by expectation](pass_by_expectation.png)", "",
        "## Questions", "",
        *table(["question", "expect", "passed", "recall@k", "citations supported", "first failure"], [
            [task, rows[0].expect, f"{sum(r.reward for r in rows)}/{len(rows)}",
             _fmt(rows[0].recall) if rows[0].recall is not None else "-",
             f"{sum(r.supported for r in rows)}/{sum(r.citations for r in rows)}",
             next((r.failures[0] for r in rows if r.failures), "")]
            for task, rows in questions.items()]), "",
        "## Failure categories", "",
        *table(["category", "trials"],
               Counter(r.category for r in results if r.category).most_common() or [["none", 0]]),
    ]
    (output / "report.md").write_text("\n".join(lines) + "\n")
