"""The gateway suite's results.jsonl, report.md and pass-rate-by-area chart."""

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.plots import bar_chart
from evals.report_parts import table


def write_outputs(output: Path, suite: Any, run: Any, trials: int) -> None:
    """results.jsonl, report.md and pass_by_area.png."""
    output.mkdir(parents=True, exist_ok=True)
    with (output / "results.jsonl").open("w") as handle:
        for r in run.results:
            handle.write(json.dumps(asdict(r)) + "\n")
    bar_chart(output / "pass_by_area.png", list(run.by_area), list(run.by_area.values()),
              title=f"{suite.name}: pass rate by policy area", xlabel="pass rate")
    cases: dict[str, list[Any]] = {}
    for r in run.results:
        cases.setdefault(r.task, []).append(r)
    lines = [
        f"# Eval run: {suite.name}", "", suite.description, "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        "- policy: none (no model: each case calls the gateway pipeline; --model-group is ignored)",
        f"- cases: {len(cases)}, trials per case: {trials}", "",
        *table(["metric", "value"], [[k, f"{v:.3f}"] for k, v in run.metrics.items()]), "",
        "## Pass rate by policy area", "", "![pass rate by area](pass_by_area.png)", "",
        *table(["area", "pass rate"], [[a, f"{v:.3f}"] for a, v in run.by_area.items()]), "",
        "## Cases", "",
        *table(["case", "area", "passed", "outcomes", "upstream saw", "first failure"], [
            [task, rows[0].area, f"{sum(r.reward for r in rows)}/{len(rows)}", ", ".join(rows[0].outcomes),
             ", ".join(rows[0].upstream) or "-", next((r.failures[0] for r in rows if r.failures), "")]
            for task, rows in cases.items()]),
    ]
    (output / "report.md").write_text("\n".join(lines) + "\n")
