"""report.md and PNG plots of a proctoring eval run: per-type P/R/F1, clean sessions, fps, timelines."""

import os
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from evals.plots import bar_chart
from evals.proctoring_spec import ProctoringSuite
from evals.report_parts import table

if TYPE_CHECKING:
    from evals.proctoring_suite import SessionResult

PIPELINE = (
    "production analysis without the database: recorded sessions take the worker's path (MJPG file -> "
    "`proctoring.recorded.analyse_recording` (PyAV, time ranges on every core) -> `FrameSignal` rows -> "
    "`resegment`), "
    "live ones the API's (JPEG -> `decode_jpeg` -> `extractor_for(policy)`, no landmark tracking -> rows "
    "-> `resegment`); browser reports are merged as `complete_session` does. Default `ProctoringPolicy`."
)
PHOTOS = (
    "faces from the Labeled Faces in the Wild subset shipped with scikit-image (25x25 grey crops, "
    "upscaled, so the webcam image is soft) and skimage's cameraman (a real profile); none of them is "
    "in the unit tests. Head turns are perspective warps of a flat photo (`yaw`/`pitch` = share of the "
    "width/height squeezed), not real 3-D turns."
)
TYPE_COLOURS = {
    "no_face": "#C44E52",
    "multiple_faces": "#8172B3",
    "looking_away": "#DD8452",
    "camera_blocked": "#55A868",
}
BROWSER_COLOUR = "#4C72B0"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _type_rows(results: "list[SessionResult]") -> list[list[object]]:
    from evals.proctoring_suite import type_counts

    ious: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for match in result.matches:
            ious[match["type"]].append(match["iou"])
    rows: list[list[object]] = []
    for event_type, c in type_counts(results).items():
        mean_iou = sum(ious[event_type]) / len(ious[event_type]) if ious[event_type] else None
        rows.append(
            [
                event_type,
                c.tp + c.fn,
                c.tp + c.fp,
                c.tp,
                c.fp,
                c.fn,
                _fmt(c.precision),
                _fmt(c.recall),
                _fmt(c.f1),
                _fmt(mean_iou),
            ]
        )
    return rows


def _timelines(path: Path, results: "list[SessionResult]") -> None:
    """Per session (first trial): labelled events (hatched) above detected ones (solid), by type."""
    from matplotlib.patches import Patch

    shown = [r for r in results if r.trial == 0]
    figure = Figure(figsize=(9.0, 1.0 + 0.45 * len(shown)))
    axes = figure.add_subplot()
    for row, result in enumerate(shown):
        for spans, offset, labelled in ((result.labelled, -0.4, True), (result.detected, 0.05, False)):
            for span in spans:
                width = max(span["end"] - span["start"], 0.4)
                colour = TYPE_COLOURS.get(span["type"], BROWSER_COLOUR)
                style = {"facecolor": "white", "edgecolor": colour, "hatch": "////"} if labelled else {}
                axes.broken_barh(
                    [(span["start"], width)], (row + offset, 0.33), **(style or {"color": colour})
                )
    axes.set_yticks(range(len(shown)), [r.task for r in shown], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("seconds")
    axes.set_title("Labelled (hatched, upper) vs detected (solid, lower) events, trial 0")
    colours = {**TYPE_COLOURS, "browser events": BROWSER_COLOUR}
    handles = [Patch(color=c, label=t) for t, c in colours.items()]
    axes.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.grid(axis="x", alpha=0.3)
    FigureCanvasAgg(figure)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)


def write_report(
    output: Path,
    suite: ProctoringSuite,
    results: "list[SessionResult]",
    metrics: dict[str, float],
    *,
    trials: int,
    parallel: int,
    ignored_model_group: str | None = None,
) -> None:
    """report.md with its plots (f1_by_type.png, timelines.png, fps_by_session.png) in `output`."""
    rows = _type_rows(results)
    clean = [r for r in results if not r.labelled]
    frames, seconds = sum(r.frames for r in results), sum(r.analysis_s for r in results)
    session_s = sum(r.duration_s for r in results)
    bar_chart(
        output / "f1_by_type.png",
        [str(r[0]) for r in rows],
        [0.0 if r[8] == "n/a" else float(str(r[8])) for r in rows],
        title=f"F1 per event type (tIoU >= {suite.iou_threshold})",
        xlabel="F1",
    )
    first = [r for r in results if r.trial == 0]
    bar_chart(
        output / "fps_by_session.png",
        [r.task for r in first],
        [r.fps for r in first],
        title="Analysed frames per second of processing",
        xlabel="frames/s",
        color="#55A868",
    )
    _timelines(output / "timelines.png", results)
    model_note = (f"`--model-group {ignored_model_group}` ignored: " if ignored_model_group else "") + (
        "this suite runs the vision pipeline, no language model"
    )
    lines = [
        f"# Eval run: {suite.name}",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- sessions: {len(first)}, trials per session: {trials} (trial k re-renders with seed + 7919 k: "
        f"new sway and sensor noise), threads: {parallel}",
        f"- model group: {model_note}",
        f"- pipeline: {PIPELINE}",
        f"- people: {PHOTOS}",
        f"- matching: one-to-one per event type, highest temporal IoU first, a pair counts at tIoU >= "
        f"{suite.iou_threshold}; instants (copy, paste) match within {suite.point_tolerance_s:g} s",
        "- browser event types are the exam page's own reports passed through: their scores check the "
        "timeline merge, not a detector",
        "",
        *table(
            ["metric", "value"],
            [
                [
                    "micro precision / recall / F1 (all types)",
                    " / ".join(f"{metrics[k]:.3f}" for k in ("micro_precision", "micro_recall", "micro_f1")),
                ],
                [
                    "mean session reward (session F1; clean session: 1 when no event)",
                    f"{metrics['mean_reward']:.3f}",
                ],
                [
                    "false events on clean sessions (nothing labelled)",
                    f"{int(metrics['clean_false_events'])} in {len(clean)} session trials",
                ],
                ["frames per second (analysis incl. decode, excl. rendering)", f"{metrics['fps']:.1f}"],
                [
                    "frames per CPU second of the process (not lowered by other load; 1 thread only)",
                    f"{metrics['fps_per_cpu_second']:.1f}",
                ],
                [
                    "frames analysed / session seconds",
                    f"{frames} / {session_s:g} at {suite.sample_fps:g} fps",
                ],
                [
                    "machine",
                    f"{os.cpu_count()} logical CPUs, not pinned, 1-min load {os.getloadavg()[0]:.1f}"
                    f" at the end; analysis wall time {seconds:.1f} s",
                ],
            ],
        ),
        "",
        f"## Per event type (tIoU >= {suite.iou_threshold})",
        "",
        *table(
            ["type", "labelled", "detected", "TP", "FP", "FN", "precision", "recall", "F1", "mean tIoU"], rows
        ),
        "",
        "## Clean sessions (nothing labelled)",
        "",
        *table(
            ["session", "trial", "false events"],
            [
                [
                    r.task,
                    r.trial,
                    ", ".join(f"{d['type']} {d['start']:g}-{d['end']:g}s" for d in r.detected) or "none",
                ]
                for r in clean
            ],
        ),
        "",
        "## Sessions",
        "",
        *table(
            ["session", "trial", "category", "source", "reward", "frames", "fps", "failures"],
            [
                [
                    r.task,
                    r.trial,
                    r.session_category,
                    r.source,
                    f"{r.reward:.3f}",
                    r.frames,
                    r.fps,
                    "; ".join(r.failures) or "-",
                ]
                for r in results
            ],
        ),
        "",
        "## Plots",
        "",
        "![F1 per event type](f1_by_type.png)",
        "",
        "![Labelled vs detected timelines](timelines.png)",
        "",
        "![Frames per second per session](fps_by_session.png)",
        "",
        "## Sessions described",
        "",
        *table(
            ["session", "description"],
            [[s.id, s.description] for s in suite.sessions if any(r.task == s.id for r in first)],
        ),
    ]
    (output / "report.md").write_text("\n".join(lines) + "\n")
