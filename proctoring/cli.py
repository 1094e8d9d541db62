"""`cognify proctor`: analyse a recorded exam session from the command line."""

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from proctoring.errors import UnreadableVideo
from proctoring.policy import DEFAULT_SAMPLE_FPS

if TYPE_CHECKING:
    from proctoring.pipeline import AnalysisResult

app = typer.Typer(help="Proctoring: analyse exam session videos.", no_args_is_help=True)


@app.callback()
def proctor() -> None:
    """Proctoring: analyse exam session videos."""


@app.command()
def analyze(
    video: Annotated[Path, typer.Argument(help="Video file (any format FFmpeg reads).")],
    sample_fps: Annotated[
        float, typer.Option("--sample-fps", min=0.01, help="Frames analysed per second of video.")
    ] = DEFAULT_SAMPLE_FPS,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    enrolment_photo: Annotated[Path | None, typer.Option(
        "--enrolment-photo", help="The student's photo (one face): faces are compared with it.")] = None,
) -> None:
    """Detect faces, head pose, a covered camera, speech and (with a photo) a different person; print
    events and the integrity score."""
    from cognify.errors import ValidationFailed

    try:
        with _native_output_silenced():
            _quiet_native_logging()
            # Imported here so mounting this sub-app does not load MediaPipe for other commands.
            from proctoring.enrolment import embed_photo
            from proctoring.pipeline import analyze_video

            reference = embed_photo(enrolment_photo.read_bytes())[0] if enrolment_photo else None
            result = analyze_video(video, sample_fps=sample_fps, enrolment=reference)
    except (UnreadableVideo, ValidationFailed, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json")))
    else:
        Console().print(_table(result))


def _table(result: "AnalysisResult") -> Table:
    """Events as a Rich table captioned with the session summary."""
    verdict = "FLAGGED" if result.flagged else "clean"
    table = Table(
        title=f"integrity {result.integrity_score:.1f} ({verdict})",
        caption=(
            f"{result.duration_s:.1f}s video, {result.frames_analyzed} frames at "
            f"{result.sample_fps:g} fps, analysed in {result.processing_s:.2f}s"
        ),
    )
    for column in ("type", "start_s", "end_s", "confidence", "evidence_s"):
        table.add_column(column)
    for event in result.events:
        evidence = "" if event.evidence_s is None else f"{event.evidence_s:.1f}"
        table.add_row(
            event.type.value,
            f"{event.start_s:.1f}",
            f"{event.end_s:.1f}",
            f"{event.confidence:.2f}",
            evidence,
        )
    return table


def _quiet_native_logging() -> None:
    """Quiet MediaPipe's glog/TFLite chatter and absl's Python logging before MediaPipe loads."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    try:
        from absl import logging as absl_logging
    except ImportError:
        return
    absl_logging.set_verbosity(absl_logging.ERROR)


class _native_output_silenced:
    """Point file descriptors 1 and 2 at /dev/null while MediaPipe, TFLite and FFmpeg run.

    Native libraries write straight to the descriptors, bypassing Python's streams, and would
    break the one-JSON-object and one-line-error contracts.
    """

    def __enter__(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self._saved = (os.dup(1), os.dup(2))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)

    def __exit__(self, *exc_info: object) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        for descriptor, saved in zip((1, 2), self._saved, strict=True):
            os.dup2(saved, descriptor)
            os.close(saved)


if __name__ == "__main__":
    app()
