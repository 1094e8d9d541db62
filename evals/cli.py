"""`cognify eval run SUITE`: run an eval suite against scripted plans or a gateway model group."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

app = typer.Typer(help="Evaluation suites.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("run")
def run(
    suite: Annotated[str, typer.Argument(help="Suite name (evals/suites/NAME.yaml) or path")],
    model_group: Annotated[
        str | None, typer.Option(help="Gateway model group; default: scripted plans")
    ] = None,
    trials: Annotated[int, typer.Option(min=1, help="Trials per task (pass^k for k = 1..N)")] = 1,
    tasks: Annotated[str | None, typer.Option(help="Glob over task ids, e.g. 'invoice-*'")] = None,
    output: Annotated[Path | None, typer.Option(help="Directory for results.jsonl and report.md")] = None,
) -> None:
    """Run a suite; each task trial in a new seeded tenant; prints pass^k and writes the report."""
    from cognify.cli import ensure_database
    from evals.runner import gateway, run_suite, scripted, select_tasks
    from evals.suite import load_suite

    try:
        loaded = load_suite(suite)
        count = len(select_tasks(loaded, tasks)) * trials
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    ensure_database()
    policy, name = (gateway(model_group), f"gateway:{model_group}") if model_group else (scripted, "scripted")
    out = output or Path("evals/runs") / f"{loaded.name}-{name.replace(':', '-')}"
    with Progress(console=console) as progress:
        bar = progress.add_task(f"{loaded.name} ({name})", total=count)
        summary = run_suite(
            loaded,
            policy,
            policy_name=name,
            trials=trials,
            pattern=tasks,
            output=out,
            on_trial=lambda _: progress.advance(bar),
        )
    for k, value in summary.pass_k.items():
        console.print(f"pass^{k} = {value:.3f}")
    console.print(f"report: {out / 'report.md'}")
