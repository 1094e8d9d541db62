"""report.md: the summary table of a run, per-task results and failure categories."""

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def write_report(
    path: Path, suite: str, policy: str, trials: int, results: list[Any], pass_k: dict[int, float]
) -> None:
    """Write the markdown report of a run."""
    tasks: dict[str, list[Any]] = {}
    for r in results:
        tasks.setdefault(r.task, []).append(r)
    cost = sum((Decimal(r.cost_usd) for r in results), Decimal(0))
    tokens = sum(r.tokens["input"] + r.tokens["output"] for r in results)
    latency = sum(r.latency_s for r in results) / len(results)
    lines = [
        f"# Eval run: {suite}",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- policy: {policy}"
        + (" (recorded plans: proves the harness and tools, not a model)" if policy == "scripted" else ""),
        f"- tasks: {len(tasks)}, trials per task: {trials}",
        "",
        "| metric | value |",
        "| --- | --- |",
        *[f"| pass^{k} | {v:.3f} |" for k, v in pass_k.items()],
        f"| mean reward | {sum(r.reward for r in results) / len(results):.3f} |",
        f"| tokens (total) | {tokens} |",
        f"| cost USD (total) | {cost} |",
        f"| cost USD per task trial | {cost / len(results):.6f} |",
        f"| mean latency s | {latency:.2f} |",
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
    path.write_text("\n".join(lines) + "\n")
