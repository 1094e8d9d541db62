"""report.md of a copilot run: the summary table, plots (PNG), per-task results and failure categories."""

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from evals.plots import bar_chart, line_chart

PASS_K_PNG = "pass_k.png"
COST_PNG = "cost_per_task.png"
OUTCOMES_PNG = "failure_categories.png"
PASSED = "passed"


def write_plots(out: Path, tasks: dict[str, list[Any]], pass_k: dict[int, float]) -> None:
    """pass^k over k, mean cost per task trial, and trial outcomes by failure category."""
    line_chart(
        out / PASS_K_PNG,
        list(pass_k),
        {"pass^k": list(pass_k.values())},
        title="pass^k: the chance that all k trials of a task pass",
        xlabel="k",
        ylabel="pass^k",
        ylim=(0.0, 1.05),
    )
    costs = [float(sum(Decimal(r.cost_usd) for r in rows) / len(rows)) for rows in tasks.values()]
    title = "Mean copilot cost per task trial" + ("" if any(costs) else " (no gateway spend)")
    bar_chart(out / COST_PNG, list(tasks), costs, title=title, xlabel="USD")
    outcomes = Counter(r.category or PASSED for rows in tasks.values() for r in rows)
    labels = [PASSED, *sorted(c for c in outcomes if c != PASSED)]
    bar_chart(
        out / OUTCOMES_PNG,
        labels,
        [outcomes[c] for c in labels],
        title="Trial outcomes by failure category",
        xlabel="trials",
        color=["#55A868" if c == PASSED else "#C44E52" for c in labels],
    )


def write_report(
    out: Path,
    suite: str,
    policy: str,
    user: str,
    trials: int,
    results: list[Any],
    pass_k: dict[int, float],
) -> None:
    """Write `out/report.md` and the PNGs it links."""
    tasks: dict[str, list[Any]] = {}
    for r in results:
        tasks.setdefault(r.task, []).append(r)
    cost = sum((Decimal(r.cost_usd) for r in results), Decimal(0))
    user_cost = sum((Decimal(r.simulator_cost_usd) for r in results), Decimal(0))
    tokens = sum(r.tokens["input"] + r.tokens["output"] for r in results)
    latency = sum(r.latency_s for r in results) / len(results)
    write_plots(out, tasks, pass_k)
    lines = [
        f"# Eval run: {suite}",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- policy: {policy}"
        + (" (recorded plans: proves the harness and tools, not a model)" if policy == "scripted" else ""),
        f"- user: {user}",
        f"- tasks: {len(tasks)}, trials per task: {trials}",
        "",
        "| metric | value |",
        "| --- | --- |",
        *[f"| pass^{k} | {v:.3f} |" for k, v in pass_k.items()],
        f"| mean reward | {sum(r.reward for r in results) / len(results):.3f} |",
        f"| tokens (total) | {tokens} |",
        f"| cost USD (total) | {cost} |",
        f"| cost USD per task trial | {cost / len(results):.6f} |",
        f"| user simulator cost USD (total) | {user_cost} |",
        f"| mean latency s | {latency:.2f} |",
        "",
        "## Plots",
        "",
        f"![pass^k]({PASS_K_PNG})",
        "",
        f"![cost per task]({COST_PNG})",
        "",
        f"![failure categories]({OUTCOMES_PNG})",
        "",
        "## Tasks",
        "",
        "| task | passed | failure categories | first failure |",
        "| --- | --- | --- | --- |",
    ]
    for task, rows in tasks.items():
        cats = ", ".join(sorted({r.category for r in rows if r.category}))
        first = next((r.failures[0] for r in rows if r.failures), "")
        first = first.replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(f"| {task} | {sum(r.reward for r in rows)}/{len(rows)} | {cats} | {first} |")
    categories = Counter(r.category for r in results if r.category)
    lines += ["", "## Failure categories", "", "| category | trials |", "| --- | --- |"]
    lines += [f"| {c} | {n} |" for c, n in categories.most_common()] or ["| none | 0 |"]
    (out / "report.md").write_text("\n".join(lines) + "\n")
