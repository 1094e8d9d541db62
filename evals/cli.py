"""`cognify eval run SUITE` (dispatched by the suite's kind) and `cognify eval compare RUN_A RUN_B`."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress

app = typer.Typer(help="Evaluation suites.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextlib.contextmanager
def _redis() -> Iterator[None]:
    """REDIS_URL, or a throwaway embedded Valkey for this run (the gateway keeps budgets and limits there)."""
    from cognify.settings import get_settings

    if get_settings().redis_url:
        yield
        return
    from cognify.embedded import EmbeddedValkey

    with tempfile.TemporaryDirectory(prefix="cognify-eval-valkey-") as tmp:
        valkey = EmbeddedValkey(Path(tmp), persist=False)
        os.environ["REDIS_URL"] = valkey.start()
        get_settings.cache_clear()
        try:
            yield
        finally:
            valkey.stop()
            os.environ.pop("REDIS_URL", None)
            get_settings.cache_clear()


@app.command("run")
def run(
    suite: Annotated[str, typer.Argument(help="Suite name (evals/suites/NAME.yaml) or path")],
    model_group: Annotated[
        str | None, typer.Option(help="Gateway model group under test; default: scripted plans")
    ] = None,
    user_model_group: Annotated[
        str | None,
        typer.Option(help="Copilot suites: gateway model group playing the user; default: scripted turns"),
    ] = None,
    trials: Annotated[int, typer.Option(min=1, help="Trials per task (pass^k for k = 1..N)")] = 1,
    tasks: Annotated[str | None, typer.Option(help="Glob over task ids, e.g. 'invoice-*'")] = None,
    parallel: Annotated[
        int, typer.Option(min=1, help="Trials run at once (threads); results keep their order")
    ] = 1,
    output: Annotated[
        Path | None,
        typer.Option(help="Where results.jsonl, report.md and plots go; default evals/runs/SUITE-POLICY"),
    ] = None,
) -> None:
    """Run a suite with the runner of its `kind` (copilot, tutor, proctoring, gateway); print its metrics."""
    from cognify.cli import ensure_database
    from evals.kinds import runner_module, suite_kind, suite_path

    try:
        path = suite_path(suite)
        kind = suite_kind(path)
        if user_model_group and kind != "copilot":
            raise ValueError(f"--user-model-group applies to copilot suites, not {kind}")
        module = runner_module(kind)
    except ValueError as exc:
        _fail(str(exc))
    extra = {"user_model_group": user_model_group} if user_model_group else {}
    policy = f"gateway-{model_group}" if model_group else "scripted"
    target = output or Path("evals/runs") / f"{path.stem}-{policy}"
    ensure_database()
    with _redis(), Progress(console=console) as progress:
        try:
            metrics = module.run_cli(
                path,
                model_group=model_group,
                trials=trials,
                pattern=tasks,
                output=target,
                parallel=parallel,
                progress=progress,
                **extra,
            )
        except ValueError as exc:
            _fail(str(exc))
    for name, value in metrics.items():
        console.print(f"{name} = {value:.3f}")
    console.print(f"report: {target / 'report.md'}")


@app.command("compare")
def compare_runs(
    run_a: Annotated[Path, typer.Argument(help="Baseline run directory (or its results.jsonl)")],
    run_b: Annotated[Path, typer.Argument(help="Candidate run directory (or its results.jsonl)")],
    tolerance: Annotated[
        float, typer.Option(min=0.0, help="Drops in mean reward up to this much are not regressions")
    ] = 0.0,
) -> None:
    """Compare two runs of any suite kind by each task's mean reward over its trials.

    Prints a table (A, B, B - A, verdict), then the regressions (tasks whose mean reward fell).

    Exit code: 0 when no task regressed; 1 when at least one did or a run cannot be read (a CI gate).

    Tasks found in only one run are shown but are not regressions.
    """
    from evals.compare import compare, load_rewards, table

    try:
        deltas = compare(load_rewards(run_a), load_rewards(run_b))
    except ValueError as exc:
        _fail(str(exc))
    out.print(table(deltas, str(run_a), str(run_b), tolerance))
    regressions = [d for d in deltas if d.verdict(tolerance) == "regression"]
    improvements = [d for d in deltas if d.verdict(tolerance) == "improvement"]
    for title, rows in (("regressions", regressions), ("improvements", improvements)):
        listed = ", ".join(f"{d.task} ({d.a:.3f} -> {d.b:.3f})" for d in rows) or "none"
        out.print(f"{title} ({len(rows)}): {listed}", highlight=False, soft_wrap=True)
    if regressions:
        raise typer.Exit(1)
