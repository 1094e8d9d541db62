"""The copilot runner: every selected task x trial (each in a new tenant), serially or on N threads."""

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.progress import Progress

from evals.kinds import select_by_id
from evals.policies import Policy, gateway, scripted
from evals.report import write_report
from evals.scoring import pass_hat_k
from evals.suite import Suite, Task, load_suite
from evals.trial import TrialResult, run_trial

__all__ = ["RunSummary", "TrialResult", "gateway", "run_cli", "run_suite", "run_trial", "scripted"]


@dataclass
class RunSummary:
    """What a run produced."""

    results: list[TrialResult]
    pass_k: dict[int, float]
    output: Path | None


def select_tasks(suite: Suite, pattern: str | None) -> list[Task]:
    """The suite's tasks whose id matches the glob `pattern` (all when None)."""
    return select_by_id(suite.tasks, pattern, "task", suite.name)


def run_suite(
    suite: Suite,
    policy: Policy = scripted,
    *,
    policy_name: str = "scripted",
    trials: int = 1,
    pattern: str | None = None,
    output: Path | None = None,
    on_trial: Callable[[TrialResult], None] | None = None,
    parallel: int = 1,
    user_model_group: str | None = None,
) -> RunSummary:
    """Run `trials` trials of every selected task, `parallel` at a time (each thread with its own event
    loop); results keep task-then-trial order. Writes results.jsonl, report.md and plots under `output`."""
    if trials < 1 or parallel < 1:
        raise ValueError("trials and parallel must be at least 1")
    jobs = [(task, trial) for task in select_tasks(suite, pattern) for trial in range(trials)]

    def one(job: tuple[Task, int]) -> TrialResult:
        result = asyncio.run(run_trial(suite, job[0], job[1], policy, user_model_group))
        if on_trial is not None:
            on_trial(result)
        return result

    if parallel == 1:
        results = [one(job) for job in jobs]
    else:
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="eval-trial") as pool:
            results = list(pool.map(one, jobs))
    by_task: dict[str, int] = {}
    for r in results:
        by_task[r.task] = by_task.get(r.task, 0) + r.reward
    pass_k = pass_hat_k(list(by_task.values()), trials)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        with (output / "results.jsonl").open("w") as handle:
            for r in results:
                handle.write(json.dumps(asdict(r), default=str) + "\n")
        user = f"gateway:{user_model_group}" if user_model_group else "scripted turns"
        write_report(output, suite.name, policy_name, user, trials, results, pass_k)
    return RunSummary(results, pass_k, output)


def run_cli(
    path: Path,
    *,
    model_group: str | None,
    trials: int,
    pattern: str | None,
    output: Path,
    parallel: int,
    progress: Progress,
    user_model_group: str | None = None,
) -> dict[str, float]:
    """`cognify eval run` for copilot suites: the headline metrics are pass^k for k = 1..trials."""
    suite = load_suite(path)
    count = len(select_tasks(suite, pattern)) * trials
    policy, name = (gateway(model_group), f"gateway:{model_group}") if model_group else (scripted, "scripted")
    bar = progress.add_task(f"{suite.name} ({name})", total=count)
    summary = run_suite(
        suite,
        policy,
        policy_name=name,
        trials=trials,
        pattern=pattern,
        output=output,
        on_trial=lambda _: progress.advance(bar),
        parallel=parallel,
        user_model_group=user_model_group,
    )
    return {f"pass^{k}": value for k, value in summary.pass_k.items()}
